import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { EventTypeIn, EventTypePatch, EventTypeUpdate } from '@herald/api';
import { EventType } from '@herald/persistence';
import { conflictOnDuplicate, NotFoundError } from './errors';
import { Page, PageRequest, paginate } from './pagination';

/** The catalogue of event types, shared by every application (as in Svix), keyed by name. */
@Injectable()
export class EventTypeService {
  constructor(@InjectRepository(EventType) private readonly eventTypes: Repository<EventType>) {}

  list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>> {
    const query = this.eventTypes.createQueryBuilder('type');
    if (!includeArchived) query.where('type.archived = :archived', { archived: false });
    return paginate(query, 'type.name', (type) => type.name, page);
  }

  async create(input: EventTypeIn): Promise<EventType> {
    const now = new Date();
    const eventType = this.eventTypes.create({ name: input.name, ...settings(input), createdAt: now, updatedAt: now });
    // `as never`: TypeORM's deep-partial type trips on the JSON column.
    await conflictOnDuplicate(() => this.eventTypes.insert(eventType as never), `An event type named "${input.name}" already exists`);
    return eventType;
  }

  async get(name: string): Promise<EventType> {
    const eventType = await this.eventTypes.findOneBy({ name });
    if (!eventType) throw new NotFoundError('Event type');
    return eventType;
  }

  /** PUT: replaces the fields, or creates the event type when there is none by that name. */
  async update(name: string, input: EventTypeUpdate): Promise<{ eventType: EventType; created: boolean }> {
    const existing = await this.eventTypes.findOneBy({ name });
    if (!existing) return { eventType: await this.create({ ...input, name }), created: true };
    return { eventType: await this.apply(existing, settings(input)), created: false };
  }

  async patch(name: string, input: EventTypePatch): Promise<EventType> {
    const existing = await this.get(name);
    return this.apply(existing, Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)));
  }

  /** Archives the event type (hidden from lists, still valid on messages); `expunge` deletes it for good. */
  async delete(name: string, expunge: boolean): Promise<void> {
    const existing = await this.get(name);
    if (expunge) await this.eventTypes.delete({ name });
    else await this.apply(existing, { archived: true });
  }

  private async apply(eventType: EventType, changes: Partial<EventType>): Promise<EventType> {
    const updated = { ...eventType, ...changes, updatedAt: new Date() };
    await this.eventTypes.update({ name: eventType.name }, updated as never); // TypeORM's deep-partial type trips on the JSON column
    return updated;
  }
}

/** Every field but the name, with Svix's defaults for those left out (a PUT resets them). */
function settings(input: EventTypeUpdate): Omit<EventType, 'name' | 'createdAt' | 'updatedAt'> {
  return {
    description: input.description,
    archived: input.archived ?? false,
    deprecated: input.deprecated ?? false,
    schemas: input.schemas ?? null,
    featureFlag: input.featureFlag ?? null,
    groupName: input.groupName ?? null,
  };
}
