import { Injectable } from '@nestjs/common';
import { Database } from '../database';
import { EventType } from '../entities';
import { orDuplicate } from '../errors';
import { Page, PageRequest, paginate } from '../pagination';

/** The catalogue of event types, keyed by name. (`as never`: TypeORM's deep-partial type trips on the JSON column.) */
@Injectable()
export class EventTypeRepository {
  constructor(private readonly db: Database) {}

  list(page: PageRequest, includeArchived: boolean): Promise<Page<EventType>> {
    const query = this.db.reader.getRepository(EventType).createQueryBuilder('type');
    if (!includeArchived) query.where('type.archived = :archived', { archived: false });
    return paginate(query, 'type.name', (type) => type.name, page);
  }

  /** Every event type, archived ones included: imports compare the whole catalogue. */
  all(): Promise<EventType[]> {
    return this.db.reader.getRepository(EventType).find({ order: { name: 'ASC' } });
  }

  /** Inserts and updates in one transaction, so an import lands whole or not at all. */
  saveAll(inserts: EventType[], updates: EventType[]): Promise<void> {
    return this.db.transaction((tx) =>
      orDuplicate(async () => {
        const types = tx.getRepository(EventType);
        for (const eventType of inserts) await types.insert(eventType as never);
        for (const eventType of updates) await types.update({ name: eventType.name }, eventType as never);
      }),
    );
  }

  find(name: string): Promise<EventType | null> {
    return this.db.reader.getRepository(EventType).findOneBy({ name });
  }

  /** Throws DuplicateError when the name is taken. */
  insert(eventType: EventType): Promise<void> {
    return this.db.write((db) => orDuplicate(async () => void (await db.getRepository(EventType).insert(eventType as never))));
  }

  update(eventType: EventType): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(EventType).update({ name: eventType.name }, eventType as never)));
  }

  delete(name: string): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(EventType).delete({ name })));
  }
}
