import { Injectable } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { EventType, EventTypeRepository, Page, PageRequest } from '@herald/persistence';
import { definedOnly } from '../changes';
import { conflictOnDuplicate, found, InvalidInputError } from '../errors';
import { EventTypeFromOpenApi, eventTypesFromOpenApi, parseSpecText } from './openapi-import';

export interface EventTypeSettings {
  description: string;
  archived?: boolean;
  deprecated?: boolean;
  schemas?: Record<string, unknown> | null;
  featureFlags?: string[] | null;
  groupName?: string | null;
}

export type EventTypeInput = EventTypeSettings & { name: string };

/** An OpenAPI document, parsed (`spec`) or as YAML or JSON text (`specRaw`): one of the two. */
export type OpenApiSource = { spec: Record<string, unknown>; specRaw?: undefined } | { spec?: undefined; specRaw: string };

export interface ImportResult {
  /** The event types created, updated (unarchived too) or archived. */
  modified: string[];
  /** A dry run's answer: the event types of the document that an import would create or change. */
  toModify?: EventTypeFromOpenApi[];
}

/** The catalogue of event types, shared by every application (as in Svix), keyed by name. */
@Injectable()
export class EventTypeService {
  constructor(
    private readonly eventTypes: EventTypeRepository,
    private readonly config: HeraldConfig,
  ) {}

  list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>> {
    return this.eventTypes.list(page, includeArchived);
  }

  async create(input: EventTypeInput): Promise<EventType> {
    const now = new Date();
    const eventType: EventType = { name: input.name, ...settings(input), createdAt: now, updatedAt: now };
    await conflictOnDuplicate(() => this.eventTypes.insert(eventType), `An event type named "${input.name}" already exists`);
    return eventType;
  }

  async get(name: string): Promise<EventType> {
    return found(await this.eventTypes.find(name), 'Event type');
  }

  /** PUT: replaces the fields, or creates the event type when there is none by that name. */
  async update(name: string, input: EventTypeSettings): Promise<{ eventType: EventType; created: boolean }> {
    const existing = await this.eventTypes.find(name);
    if (!existing) return { eventType: await this.create({ ...input, name }), created: true };
    return { eventType: await this.apply(existing, settings(input)), created: false };
  }

  async patch(name: string, input: Partial<EventTypeSettings>): Promise<EventType> {
    return this.apply(await this.get(name), definedOnly(input) as Partial<EventType>);
  }

  /** Archives the event type (hidden from lists, still valid on messages); `expunge` deletes it for good. */
  async delete(name: string, expunge: boolean): Promise<void> {
    const existing = await this.get(name);
    if (expunge) await this.eventTypes.delete(name);
    else await this.apply(existing, { archived: true });
  }

  /** The whole catalogue, archived event types included, by name: environment export. */
  all(): Promise<EventType[]> {
    return this.eventTypes.all();
  }

  /**
   * Environment import: each event type created, or its fields replaced (as a PUT does), in one
   * transaction; event types not named are left alone. A name given twice is a 422.
   */
  async upsertAll(inputs: EventTypeInput[]): Promise<void> {
    const seen = new Set<string>();
    inputs.forEach((input, index) => {
      if (seen.has(input.name)) throw new InvalidInputError(['body', 'eventTypes', index, 'name'], `names event type "${input.name}" a second time`);
      seen.add(input.name);
    });
    const existing = new Map((await this.eventTypes.all()).map((eventType) => [eventType.name, eventType]));
    const now = new Date();
    const rows = inputs.map((input) => ({ name: input.name, ...settings(input), createdAt: existing.get(input.name)?.createdAt ?? now, updatedAt: now }));
    await this.eventTypes.saveAll(
      rows.filter((row) => !existing.has(row.name)),
      rows.filter((row) => existing.has(row.name)),
    );
  }

  /**
   * Svix's OpenAPI import: the document's webhooks become event types, created or updated (an archived one
   * is unarchived) where they differ from the catalogue; `replaceAll` archives those it does not name.
   * One transaction. A dry run changes nothing and answers what would change in `toModify`.
   */
  async importOpenApi(source: OpenApiSource, options: { dryRun: boolean; replaceAll: boolean }): Promise<ImportResult> {
    const spec = source.specRaw !== undefined ? parseSpecText(source.specRaw, ['body', 'specRaw'], this.config.maxJsonDepth) : source.spec;
    const imported = eventTypesFromOpenApi(spec, ['body', source.specRaw !== undefined ? 'specRaw' : 'spec'], this.config.maxJsonDepth);
    const existing = new Map((await this.eventTypes.all()).map((eventType) => [eventType.name, eventType]));
    const changed = imported.filter((from) => {
      const current = existing.get(from.name);
      return !current || current.archived || !sameSettings(current, from);
    });
    const names = new Set(imported.map((from) => from.name));
    const archived = options.replaceAll ? [...existing.values()].filter((eventType) => !eventType.archived && !names.has(eventType.name)) : [];
    if (options.dryRun) return { modified: [], toModify: changed };

    const now = new Date();
    const inserts: EventType[] = [];
    const updates: EventType[] = archived.map((eventType) => ({ ...eventType, archived: true, updatedAt: now }));
    for (const from of changed) {
      const current = existing.get(from.name);
      if (current) updates.push({ ...current, ...from, archived: false, updatedAt: now });
      else inserts.push({ ...from, archived: false, createdAt: now, updatedAt: now });
    }
    await this.eventTypes.saveAll(inserts, updates);
    return { modified: [...changed.map((from) => from.name), ...archived.map((eventType) => eventType.name)] };
  }

  /**
   * The payload send-example sends: the example at `index` of the `examples` of the event type's latest
   * schema version (Svix's), or its single `example` when it has no list. A 422 names what is missing.
   */
  async example(name: string, index = 0): Promise<Record<string, unknown>> {
    const eventType = await this.get(name);
    const versions = Object.keys(eventType.schemas ?? {}).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
    const schema = versions.length ? (eventType.schemas![versions[versions.length - 1]] as Record<string, unknown> | null) : null;
    const examples = Array.isArray(schema?.examples) ? (schema.examples as unknown[]) : schema?.example !== undefined ? [schema.example] : [];
    if (examples.length === 0)
      throw new InvalidInputError(['body', 'eventType'], `event type "${name}" has no example: give its schema \`examples\` (a list of payloads)`);
    // As Svix: the index chooses within a list of examples and is ignored for a single one.
    const chosen = Array.isArray(schema?.examples) ? index : 0;
    if (chosen >= examples.length)
      throw new InvalidInputError(
        ['body', 'exampleIndex'],
        `event type "${name}" has ${examples.length} example(s): the index must be below ${examples.length}`,
      );
    const payload = examples[chosen];
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      throw new InvalidInputError(['body', 'exampleIndex'], `example ${chosen} of event type "${name}" is not a JSON object, so it cannot be a payload`);
    return payload as Record<string, unknown>;
  }

  private async apply(eventType: EventType, changes: Partial<EventType>): Promise<EventType> {
    const updated = { ...eventType, ...changes, updatedAt: new Date() };
    await this.eventTypes.update(updated);
    return updated;
  }
}

/** Every field but the name, with Svix's defaults for those left out (a PUT resets them). */
function settings(input: EventTypeSettings): Omit<EventType, 'name' | 'createdAt' | 'updatedAt'> {
  return {
    description: input.description,
    archived: input.archived ?? false,
    deprecated: input.deprecated ?? false,
    schemas: input.schemas ?? null,
    featureFlags: input.featureFlags ?? null,
    groupName: input.groupName ?? null,
  };
}

function sameSettings(current: EventType, from: EventTypeFromOpenApi): boolean {
  return (
    current.description === from.description &&
    current.deprecated === from.deprecated &&
    current.groupName === from.groupName &&
    JSON.stringify(current.featureFlags) === JSON.stringify(from.featureFlags) &&
    JSON.stringify(current.schemas) === JSON.stringify(from.schemas)
  );
}
