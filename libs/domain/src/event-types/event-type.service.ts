import { Injectable } from '@nestjs/common';
import { EventType, EventTypeRepository, Page, PageRequest } from '@herald/persistence';
import { definedOnly } from '../changes';
import { conflictOnDuplicate, found } from '../errors';

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
