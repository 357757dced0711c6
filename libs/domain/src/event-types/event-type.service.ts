import { Injectable } from '@nestjs/common';
import { EventType, EventTypeRepository, Page, PageRequest } from '@herald/persistence';
import { definedOnly } from '../changes';
import { conflictOnDuplicate, found, InvalidInputError } from '../errors';

export interface EventTypeSettings {
  description: string;
  archived?: boolean;
  deprecated?: boolean;
  schemas?: Record<string, unknown> | null;
  featureFlags?: string[] | null;
  groupName?: string | null;
}

export type EventTypeInput = EventTypeSettings & { name: string };

/** The catalogue of event types, shared by every application (as in Svix), keyed by name. */
@Injectable()
export class EventTypeService {
  constructor(private readonly eventTypes: EventTypeRepository) {}

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
