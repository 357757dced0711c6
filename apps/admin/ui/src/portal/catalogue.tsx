import { useEffect, useState } from 'preact/hooks';
import type { EventTypeOut } from '@herald/contract';
import type { PortalApi } from './api';

/** The event types this service sends, each with its schema and an example payload. */
export function Catalogue({ api }: { api: PortalApi }) {
  const [types, setTypes] = useState<EventTypeOut[]>();
  const [error, setError] = useState<string>();
  useEffect(
    () =>
      void api.eventTypes().then(
        ({ data }) => setTypes(data.filter((type) => !type.archived)),
        (failure: Error) => setError(failure.message),
      ),
    [api],
  );
  return (
    <section>
      <h1>Event types</h1>
      {error && <p class="error">{error}</p>}
      {types?.map((type) => {
        const schema = firstSchema(type.schemas);
        const example = exampleOf(schema);
        return (
          <details key={type.name} class="card event-type" data-event-type={type.name}>
            <summary>
              <strong>{type.name}</strong> {type.deprecated && <span class="badge failed">deprecated</span>} <span class="muted">{type.description}</span>
            </summary>
            <h2>Example payload</h2>
            <pre data-testid="example">{example === undefined ? '(no example)' : JSON.stringify(example, null, 2)}</pre>
            <h2>Schema</h2>
            <pre>{schema ? JSON.stringify(schema, null, 2) : '(no schema)'}</pre>
          </details>
        );
      })}
      {types?.length === 0 && <p class="empty">No event types yet.</p>}
    </section>
  );
}

/** Svix keeps schemas by version (`{"1": {...}}`): the first one. */
function firstSchema(schemas: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const first = schemas && Object.values(schemas)[0];
  return first && typeof first === 'object' ? (first as Record<string, unknown>) : undefined;
}

/** The schema's first example (JSON Schema `examples`, or `example`). */
function exampleOf(schema: Record<string, unknown> | undefined): unknown {
  if (!schema) return undefined;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  return schema.example;
}
