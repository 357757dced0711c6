import { Injectable } from '@nestjs/common';
import { In, IsNull, LessThan } from 'typeorm';
import { Database } from '../database';
import { Delivery, Message } from '../entities';
import { orDuplicate } from '../errors';
import { MessageFilter, whereCreatedIn, whereMessageMatches } from '../filters';
import { Page, PageRequest, paginate } from '../pagination';
import { findIn, insertRows } from '../rows';
import { EXPUNGED, expungeInBatches } from './retention';

@Injectable()
export class MessageRepository {
  constructor(private readonly db: Database) {}

  /** Newest first by default. */
  list(appId: string, filter: MessageFilter, page: PageRequest): Promise<Page<Message>> {
    const query = this.db.reader.getRepository(Message).createQueryBuilder('message').where('message.app_id = :appId', { appId });
    whereCreatedIn(query, 'message', filter);
    whereMessageMatches(query, 'message', filter);
    return paginate(query, 'message.id', (message) => message.id, page);
  }

  findByIdOrEventId(appId: string, idOrEventId: string): Promise<Message | null> {
    return this.db.reader.getRepository(Message).findOne({
      where: [
        { appId, id: idOrEventId },
        { appId, eventId: idOrEventId },
      ],
    });
  }

  /**
   * The application's messages with these ids. Found by id, the application checked per row: with both in the
   * WHERE, SQLite searched the (app_id, created_at) index, reading every message of the application.
   */
  async findMany(appId: string, ids: string[]): Promise<Message[]> {
    return (await findIn(this.db.reader, Message, 'id', ids)).filter((message) => message.appId === appId);
  }

  findById(id: string): Promise<Message | null> {
    return this.db.reader.getRepository(Message).findOneBy({ id });
  }

  /** Of these (application, eventId) pairs, those a stored message has. */
  async takenEventIds(pairs: { appId: string; eventId: string }[]): Promise<{ appId: string; eventId: string }[]> {
    if (pairs.length === 0) return [];
    const found = await this.db.reader.getRepository(Message).find({
      select: { appId: true, eventId: true },
      where: { appId: In([...new Set(pairs.map((pair) => pair.appId))]), eventId: In(pairs.map((pair) => pair.eventId)) },
    });
    return found.map((message) => ({ appId: message.appId, eventId: message.eventId! }));
  }

  /** The messages and their deliveries in one transaction: all or nothing. Throws DuplicateError for an eventId taken meanwhile. */
  insertWithDeliveries(messages: Message[], deliveries: Delivery[]): Promise<void> {
    return orDuplicate(() =>
      this.db.transaction(async (tx) => {
        await insertRows(tx, Message, messages);
        await insertRows(tx, Delivery, deliveries);
      }),
    );
  }

  /** Messages that never got their deliveries (stored by a Herald before 0.2), created before `before`. */
  withoutDeliveries(before: Date, limit: number): Promise<Message[]> {
    return this.db.reader
      .getRepository(Message)
      .find({ where: { fannedOutAt: IsNull(), createdAt: LessThan(before) }, order: { createdAt: 'ASC' }, take: limit });
  }

  markFannedOut(id: string, at: Date): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(Message).update({ id }, { fannedOutAt: at })));
  }

  /** The application's messages created in [since, until) after the id `after`, that have no delivery to the endpoint: oldest first. */
  notDeliveredTo(endpoint: { id: string; appId: string }, since: Date, until: Date | undefined, after: string, limit: number): Promise<Message[]> {
    const query = this.db.reader
      .getRepository(Message)
      .createQueryBuilder('message')
      .where('message.app_id = :appId AND message.created_at >= :since AND message.id > :after', { appId: endpoint.appId, since: since.getTime(), after })
      .andWhere(
        (q) =>
          `NOT EXISTS ${q.subQuery().select('1').from(Delivery, 'delivery').where('delivery.message_id = message.id AND delivery.endpoint_id = :endpointId').getQuery()}`,
        {
          endpointId: endpoint.id,
        },
      );
    if (until) query.andWhere('message.created_at < :until', { until: until.getTime() });
    return query.orderBy('message.id').take(limit).getMany();
  }

  /** Deletes the payloads of the application's messages among `ids` (all of its messages without ids); answers the ids it found. */
  expungePayloads(appId: string, ids?: string[]): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const messages = tx.getRepository(Message);
      // By id when ids are given, the application checked per row (see findMany).
      const found = ids
        ? (await findIn(tx, Message, 'id', ids)).filter((message) => message.appId === appId)
        : await messages.find({ select: { id: true }, where: { appId } });
      for (let i = 0; i < found.length; i += 500)
        await messages.update({ id: In(found.slice(i, i + 500).map((message) => message.id)) }, { payload: EXPUNGED, contentType: null });
      return found.map((message) => message.id);
    });
  }

  /** Replaces payloads older than `cutoff` by `{}`; answers how many. */
  expungePayloadsBefore(cutoff: number): Promise<number> {
    return expungeInBatches(this.db, Message, 'payload', cutoff);
  }
}
