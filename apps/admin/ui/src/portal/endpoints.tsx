import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AttemptOut, EndpointOut, EventTypeOut, PortalSessionOut } from '@herald/contract';
import { Chart } from '../shared/chart';
import { AttemptRow, Recover } from '../shared/components';
import { millis, percent } from '../shared/format';
import type { LiveState } from '../shared/store';
import type { EndpointFields, PortalApi } from './api';
import { messageLink } from './messages';

interface Props {
  api: PortalApi;
  session: PortalSessionOut;
  live: LiveState;
}

/** Live events for an endpoint reload its attempt log, at most this often. */
const RELOAD_MS = 500;

const can = (session: PortalSessionOut, capability: string) => !session.readOnly && (!session.capabilities || session.capabilities.includes(capability));

/** This application's endpoints, and a form for a new one. */
export function EndpointList({ api, session, live }: Props) {
  const [endpoints, setEndpoints] = useState<EndpointOut[]>();
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string>();
  const load = useCallback(
    () =>
      api.endpoints().then(
        ({ data }) => setEndpoints(data),
        (failure: Error) => setError(failure.message),
      ),
    [api],
  );
  useEffect(() => void load(), [load]);

  return (
    <section>
      <div class="toolbar">
        <h1>Endpoints</h1>
        {can(session, 'ManageEndpoint') && !adding && <button onClick={() => setAdding(true)}>Add endpoint</button>}
      </div>
      {error && <p class="error">{error}</p>}
      {adding && (
        <div class="card">
          <h2>New endpoint</h2>
          <EndpointForm
            api={api}
            submit="Create"
            onCancel={() => setAdding(false)}
            onSave={async (fields) => {
              const endpoint = await api.createEndpoint(fields);
              location.hash = `#/endpoint/${encodeURIComponent(endpoint.id)}`;
            }}
          />
        </div>
      )}
      <div class="scroll">
        <table data-testid="endpoints">
          <thead>
            <tr>
              <th>URL</th>
              <th>State</th>
              <th class="number">Success</th>
              <th class="number">p95</th>
            </tr>
          </thead>
          <tbody>
            {endpoints?.map((endpoint) => {
              const window = live.stats?.endpoints[endpoint.id];
              return (
                <tr key={endpoint.id} data-endpoint-id={endpoint.id}>
                  <td class="url">
                    <a href={`#/endpoint/${encodeURIComponent(endpoint.id)}`}>{endpoint.url}</a>
                    {endpoint.description && <div class="muted">{endpoint.description}</div>}
                  </td>
                  <td>
                    <span
                      class={`badge state-${endpoint.disabled ? 'disabled' : (live.endpoints[endpoint.id]?.state ?? 'healthy')}`}
                      data-testid="endpoint-state"
                    >
                      {endpoint.disabled ? 'disabled' : (live.endpoints[endpoint.id]?.state ?? 'healthy')}
                    </span>
                  </td>
                  <td class="number">{percent(window?.attempts ? window.succeeded / window.attempts : null)}</td>
                  <td class="number">{millis(window?.p95)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {endpoints?.length === 0 && <p class="empty">No endpoints yet.</p>}
    </section>
  );
}

/** The event type catalogue, fetched once per page. */
function useCatalogue(api: PortalApi): EventTypeOut[] {
  const [types, setTypes] = useState<EventTypeOut[]>([]);
  useEffect(
    () =>
      void api.eventTypes().then(
        ({ data }) => setTypes(data.filter((type) => !type.archived)),
        () => undefined,
      ),
    [api],
  );
  return types;
}

/** URL, description, the event types it receives (from the catalogue; none ticked: all), channels, rate limit, and (editing) its custom headers. */
function EndpointForm({
  api,
  endpoint,
  headers,
  submit,
  onSave,
  onCancel,
}: {
  api: PortalApi;
  endpoint?: EndpointOut;
  headers?: { headers: Record<string, string>; sensitive: string[] };
  submit: string;
  onSave: (fields: EndpointFields, headers: Record<string, string>) => Promise<void>;
  onCancel?: () => void;
}) {
  const catalogue = useCatalogue(api);
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [types, setTypes] = useState<string[]>(endpoint?.eventTypes ?? []);
  const [channels, setChannels] = useState((endpoint?.channels ?? []).join(', '));
  const [rate, setRate] = useState(endpoint?.throttleRate ? String(endpoint.throttleRate) : '');
  const [headerText, setHeaderText] = useState(
    Object.entries(headers?.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
  );
  const [error, setError] = useState<string>();
  const toggle = (name: string) => setTypes(types.includes(name) ? types.filter((type) => type !== name) : [...types, name]);

  return (
    <form
      class="form"
      onSubmit={async (event) => {
        event.preventDefault();
        const list = channels
          .split(',')
          .map((channel) => channel.trim())
          .filter(Boolean);
        try {
          await onSave(
            { url, description, eventTypes: types.length ? types : null, channels: list.length ? list : null, throttleRate: rate ? Number(rate) : null },
            parseHeaders(headerText),
          );
        } catch (failure) {
          setError((failure as Error).message);
        }
      }}
    >
      <label>
        URL
        <input type="url" required value={url} onInput={(event) => setUrl(event.currentTarget.value)} placeholder="https://example.com/webhooks" />
      </label>
      <label>
        Description
        <input value={description} onInput={(event) => setDescription(event.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>Event types (none ticked: every event type)</legend>
        {catalogue.map((type) => (
          <label key={type.name} class="check">
            <input type="checkbox" checked={types.includes(type.name)} onChange={() => toggle(type.name)} /> {type.name}
          </label>
        ))}
        {catalogue.length === 0 && <p class="muted">No event types in the catalogue.</p>}
      </fieldset>
      <label>
        Channels (comma-separated)
        <input value={channels} onInput={(event) => setChannels(event.currentTarget.value)} />
      </label>
      <label>
        Rate limit (messages per second)
        <input type="number" min={1} max={65535} value={rate} onInput={(event) => setRate(event.currentTarget.value)} />
      </label>
      {headers && (
        <label>
          Custom headers (one "Name: value" a line)
          <textarea rows={3} value={headerText} onInput={(event) => setHeaderText(event.currentTarget.value)} />
          {headers.sensitive.length > 0 && <span class="muted">Kept, not shown: {headers.sensitive.join(', ')}</span>}
        </label>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit">{submit}</button>
        {onCancel && (
          <button type="button" class="quiet" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

/** One endpoint: its settings, secret, charts, a test message, recovery, and its attempt log. */
export function EndpointView({ api, session, endpointId, live }: Props & { endpointId: string }) {
  const [endpoint, setEndpoint] = useState<EndpointOut>();
  const [headers, setHeaders] = useState<{ headers: Record<string, string>; sensitive: string[] }>();
  const [attempts, setAttempts] = useState<AttemptOut[]>();
  const [editing, setEditing] = useState(false);
  const [secret, setSecret] = useState<string>();
  const [notice, setNotice] = useState<{ text: string; error?: boolean }>();
  const catalogue = useCatalogue(api);

  const load = useCallback(async () => {
    const [details, headerList, log] = await Promise.all([api.endpoint(endpointId), api.headers(endpointId), api.attempts(endpointId)]);
    setEndpoint(details);
    setHeaders(headerList);
    setAttempts(log.data);
  }, [api, endpointId]);
  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      setNotice({ text: done });
      await load();
    } catch (failure) {
      setNotice({ text: (failure as Error).message, error: true });
    }
  };
  useEffect(() => void load().catch((failure: Error) => setNotice({ text: failure.message, error: true })), [load]);

  const latest = live.deliveries.find((delivery) => delivery.endpointId === endpointId)?.id;
  useEffect(() => {
    if (!latest) return;
    const timer = setTimeout(() => void load().catch(() => undefined), RELOAD_MS);
    return () => clearTimeout(timer);
  }, [latest, load]);

  if (!endpoint || !headers) return <section>{notice ? <p class="error">{notice.text}</p> : <p class="muted">Loading…</p>}</section>;
  const window = live.stats?.endpoints[endpointId];
  const series = live.endpointSeries[endpointId] ?? { time: [], successRate: [], p95: [] };
  const manage = can(session, 'ManageEndpoint');

  return (
    <section>
      <p class="muted">
        <a href="#/">Endpoints</a> / {endpoint.id}
      </p>
      <div class="card">
        <h1 class="url">{endpoint.url}</h1>
        {endpoint.description && <p>{endpoint.description}</p>}
        <p>
          <span class={`badge state-${endpoint.disabled ? 'disabled' : 'enabled'}`}>{endpoint.disabled ? 'disabled' : 'enabled'}</span>{' '}
          <span class="muted">
            Event types: {endpoint.eventTypes?.join(', ') || 'all'} · Channels: {endpoint.channels?.join(', ') || 'all'} · Rate limit:{' '}
            {endpoint.throttleRate ? `${endpoint.throttleRate}/s` : 'none'}
          </span>
        </p>
        <p class="muted">
          Last {live.stats ? Math.round(live.stats.windowMs / 60_000) : '–'} min: {window?.attempts ?? 0} attempts, success{' '}
          {percent(window?.attempts ? window.succeeded / window.attempts : null)}, p95 {millis(window?.p95)}
        </p>
        <div class="actions">
          {manage && <button onClick={() => setEditing(!editing)}>{editing ? 'Close editor' : 'Edit'}</button>}
          {manage && (
            <button
              data-testid="toggle-disabled"
              onClick={() =>
                act(() => api.updateEndpoint(endpointId, { disabled: !endpoint.disabled }), endpoint.disabled ? 'Endpoint enabled' : 'Endpoint disabled')
              }
            >
              {endpoint.disabled ? 'Enable' : 'Disable'}
            </button>
          )}
        </div>
        {notice && (
          <p class={notice.error ? 'error' : 'notice'} role="status">
            {notice.text}
          </p>
        )}
      </div>

      {editing && (
        <div class="card">
          <h2>Edit endpoint</h2>
          <EndpointForm
            api={api}
            endpoint={endpoint}
            headers={headers}
            submit="Save"
            onSave={async (fields, newHeaders) => {
              await api.updateEndpoint(endpointId, fields);
              const removed = Object.keys(headers.headers).filter((name) => !(name in newHeaders));
              await api.patchHeaders(endpointId, newHeaders, removed);
              setEditing(false);
              setNotice({ text: 'Endpoint saved' });
              await load();
            }}
          />
        </div>
      )}

      <div class="card">
        <h2>Signing secret</h2>
        <p class="mono secret" data-testid="secret">
          {secret ?? '••••••••••••••••'}
        </p>
        <div class="actions">
          {can(session, 'ViewEndpointSecret') || (session.readOnly && !session.capabilities) ? (
            <button onClick={async () => setSecret(secret ? undefined : (await api.secret(endpointId)).key)}>{secret ? 'Hide' : 'Reveal'}</button>
          ) : null}
          {can(session, 'ManageEndpointSecret') && (
            <button
              onClick={() => {
                if (confirm('Rotate the signing secret? The old one keeps signing for 24 hours.'))
                  void act(async () => {
                    await api.rotateSecret(endpointId);
                    setSecret(secret ? (await api.secret(endpointId)).key : undefined);
                  }, 'Secret rotated: the old one keeps signing for 24 hours');
              }}
            >
              Rotate secret
            </button>
          )}
        </div>
      </div>

      <div class="charts">
        <Chart title="Success rate" unit="%" time={series.time} values={series.successRate} max={100} />
        <Chart title="p95 latency" unit=" ms" time={series.time} values={series.p95} />
      </div>

      {can(session, 'CreateAttempts') && (
        <div class="card">
          <h2>Test and recover</h2>
          <SendExample types={catalogue} onSend={(type) => act(() => api.sendExample(endpointId, type), `Example ${type} sent`)} />
          <Recover onRecover={(since) => act(() => api.recover(endpointId, since), `Failed messages since ${new Date(since).toLocaleString()} sent again`)} />
        </div>
      )}

      <h2>Attempts</h2>
      <div class="scroll">
        <table class="attempts" data-testid="attempts">
          <thead>
            <tr>
              <th>Time</th>
              <th>Message</th>
              <th>Status</th>
              <th class="number">Code</th>
              <th class="number">Duration</th>
              <th>Trigger</th>
              <th />
            </tr>
          </thead>
          {attempts?.map((attempt) => (
            <AttemptRow
              key={attempt.id}
              attempt={attempt}
              onResend={
                can(session, 'CreateAttempts') ? () => act(() => api.resend(attempt.msgId, endpointId), `Message ${attempt.msgId} sent again`) : undefined
              }
              messageLink={messageLink}
            />
          ))}
        </table>
      </div>
      {attempts?.length === 0 && <p class="empty">No attempts yet.</p>}
    </section>
  );
}

function SendExample({ types, onSend }: { types: EventTypeOut[]; onSend: (eventType: string) => void }) {
  const [type, setType] = useState('');
  return (
    <form
      class="recover"
      onSubmit={(event) => {
        event.preventDefault();
        if (type) onSend(type);
      }}
    >
      <label class="inline">
        Send an example of
        <select required value={type} onChange={(event) => setType(event.currentTarget.value)}>
          <option value="">choose an event type</option>
          {types.map((eventType) => (
            <option key={eventType.name} value={eventType.name}>
              {eventType.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Send example</button>
    </form>
  );
}
