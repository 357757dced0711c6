import { Injectable } from '@nestjs/common';
import { LessThan } from 'typeorm';
import { Database } from '../database';
import { Delivery, DeliveryStatus, Endpoint, Message, MessageAttempt } from '../entities';
import { MessageMatch, TimeWindow, whereCreatedIn, whereOfMatchingMessages } from '../filters';
import { Page, PageRequest, paginate } from '../pagination';
import { findIn, insertRows } from '../rows';
import { rawQuery } from '../transactions';

/** A delivery with its message and endpoint: what an attempt needs. Missing parts were deleted. */
export interface DeliveryTarget {
  delivery?: Delivery;
  message?: Message;
  endpoint?: Endpoint;
}

/** A scheduled attempt to write down: the delivery's next state, and the attempt's row. */
export interface AttemptRecord {
  deliveryId: string;
  /** The attempt's number; the delivery must have made exactly the ones before it. */
  attempt: number;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  row: MessageAttempt;
}

export type DeliveryFilter = TimeWindow &
  MessageMatch & {
    status?: DeliveryStatus;
    /** Deliveries with an attempt of this class of response (0: no response; 100…500). */
    statusCodeClass?: number;
  };

/** Rows per INSERT when rows may already exist: keeps bound parameters well under SQLite's limit. */
const INSERT_CHUNK = 100;

@Injectable()
export class DeliveryRepository {
  constructor(private readonly db: Database) {}

  /** Each delivery with its message and endpoint, in the order asked, read for a whole batch in three queries. */
  async targets(ids: string[]): Promise<DeliveryTarget[]> {
    const deliveries = await findIn(this.db.reader, Delivery, 'id', ids);
    const [messages, endpoints] = await Promise.all([
      findIn(
        this.db.reader,
        Message,
        'id',
        deliveries.map((delivery) => delivery.messageId),
      ),
      findIn(
        this.db.reader,
        Endpoint,
        'id',
        deliveries.map((delivery) => delivery.endpointId),
      ),
    ]);
    const delivery = byId(deliveries);
    const message = byId(messages);
    const endpoint = byId(endpoints);
    return ids.map((id) => {
      const found = delivery.get(id);
      return found ? { delivery: found, message: message.get(found.messageId), endpoint: endpoint.get(found.endpointId) } : {};
    });
  }

  /**
   * Writes a batch of scheduled attempts in one transaction: each delivery moves on (status, attempt count,
   * next attempt) and its attempt is logged. The move is guarded by the attempt count, so if two workers ever
   * raced on one attempt, only one records it; the answer says, per record, whether it was this one.
   */
  recordAttempts(records: AttemptRecord[]): Promise<boolean[]> {
    return this.db.transaction(async (tx) => {
      const now = Date.now();
      const groups = new Map<string, AttemptRecord[]>();
      for (const record of records) {
        const key = `${record.attempt} ${record.status} ${record.nextAttemptAt?.getTime()}`;
        const group = groups.get(key);
        if (group) group.push(record);
        else groups.set(key, [record]);
      }
      const recorded = new Set<AttemptRecord>();
      for (const group of groups.values()) {
        const { attempt, status, nextAttemptAt } = group[0];
        const ids = group.map((record) => record.deliveryId);
        const rows = await rawQuery<{ id: string }>(
          tx,
          `UPDATE deliveries SET status = ?, attempt_count = ?, next_attempt_at = ?, updated_at = ? WHERE id IN (${ids.map(() => '?').join(', ')}) AND attempt_count = ? RETURNING id`,
          [status, attempt, nextAttemptAt?.getTime() ?? null, now, ...ids, attempt - 1],
        );
        // A delivery twice in one group (the race above) is recorded once: `delete` answers true only the first time.
        const moved = new Set(rows.map(({ id }) => id));
        for (const record of group) if (moved.delete(record.deliveryId)) recorded.add(record);
      }
      await insertRows(
        tx,
        MessageAttempt,
        records.filter((record) => recorded.has(record)).map((record) => record.row),
      );
      return records.map((record) => recorded.has(record));
    });
  }

  /** A manual attempt (resend) is logged; a success completes the delivery, a failure changes nothing. */
  recordManualAttempt(row: MessageAttempt, succeeded: boolean): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.getRepository(MessageAttempt).insert(row);
      if (succeeded)
        await tx.getRepository(Delivery).update({ id: row.deliveryId }, { status: DeliveryStatus.Succeeded, nextAttemptAt: null, updatedAt: new Date() });
    });
  }

  /** Ends a delivery without another attempt (its endpoint was deleted or disabled). */
  fail(id: string): Promise<void> {
    return this.db.write(
      async (db) => void (await db.getRepository(Delivery).update({ id }, { status: DeliveryStatus.Failed, nextAttemptAt: null, updatedAt: new Date() })),
    );
  }

  /**
   * Moves pending deliveries' next attempt later (their attempts are parked), in one statement: the earliest
   * time asked for is used for all, so none is later than its job. The rows are found by id alone, with the
   * status checked per row: given `id IN (…) AND status = ?`, SQLite's planner searched the (status,
   * next_attempt_at) index instead, reading every pending delivery, so each park cost time in proportion to
   * the backlog (400 ms a statement at 370,000 pending, in the sustained bench).
   */
  postpone(items: { id: string; nextAttemptAt: Date }[]): Promise<void[]> {
    const at = Math.min(...items.map((item) => item.nextAttemptAt.getTime()));
    const ids = items.map((item) => item.id);
    return this.db.transaction(async (tx) => {
      await rawQuery(
        tx,
        `UPDATE deliveries SET next_attempt_at = CASE WHEN status = ? THEN ? ELSE next_attempt_at END WHERE id IN (${ids.map(() => '?').join(', ')})`,
        [DeliveryStatus.Pending, at, ...ids],
      );
      return items.map(() => undefined);
    });
  }

  /** Deliveries whose next attempt was due before `before`, oldest first. */
  overdue(before: Date, limit: number): Promise<Delivery[]> {
    return this.db.reader
      .getRepository(Delivery)
      .find({ where: { status: DeliveryStatus.Pending, nextAttemptAt: LessThan(before) }, order: { nextAttemptAt: 'ASC' }, take: limit });
  }

  /** The endpoint's failed deliveries created in [since, until), by id, at most `limit`. */
  failed(endpointId: string, since: Date, until: Date | undefined, limit: number): Promise<Delivery[]> {
    const query = this.db.reader
      .getRepository(Delivery)
      .createQueryBuilder('delivery')
      .where('delivery.endpoint_id = :endpointId AND delivery.status = :failed AND delivery.created_at >= :since', {
        endpointId,
        failed: DeliveryStatus.Failed,
        since: since.getTime(),
      });
    if (until) query.andWhere('delivery.created_at < :until', { until: until.getTime() });
    return query.orderBy('delivery.id').take(limit).getMany();
  }

  /** Puts failed deliveries back on the schedule from its start: attempt numbers go on counting, so each new attempt has a job id of its own. */
  restart(deliveries: Delivery[], nextAttemptAt: Date): Promise<void> {
    return this.db.transaction(async (tx) => {
      for (const delivery of deliveries) {
        await tx
          .getRepository(Delivery)
          .update(
            { id: delivery.id, status: DeliveryStatus.Failed },
            { status: DeliveryStatus.Pending, scheduleOffset: delivery.attemptCount, nextAttemptAt, updatedAt: new Date() },
          );
      }
    });
  }

  /**
   * Inserts the deliveries whose (message, endpoint) pair has none yet (the unique pair keeps one row per pair,
   * whoever inserts concurrently) and answers the rows that are new.
   */
  async insertMissing(rows: Delivery[]): Promise<Delivery[]> {
    await this.db.write(async (db) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await db
          .createQueryBuilder()
          .insert()
          .into(Delivery)
          .values(rows.slice(i, i + INSERT_CHUNK))
          .orIgnore()
          .execute();
      }
    });
    const inserted = new Set(
      (
        await findIn(
          this.db.reader,
          Delivery,
          'id',
          rows.map((row) => row.id),
        )
      ).map((row) => row.id),
    );
    return rows.filter((row) => inserted.has(row.id));
  }

  findForPair(messageId: string, endpointId: string): Promise<Delivery | null> {
    return this.db.reader.getRepository(Delivery).findOneBy({ messageId, endpointId });
  }

  /** Delivery counts by status, for deliveries created in [since, until). */
  async countsByStatus(endpointId: string, since?: Date, until?: Date): Promise<Map<DeliveryStatus, number>> {
    const query = this.db.reader
      .getRepository(Delivery)
      .createQueryBuilder('delivery')
      .select('delivery.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where('delivery.endpoint_id = :endpointId', { endpointId })
      .groupBy('delivery.status');
    if (since) query.andWhere('delivery.created_at >= :since', { since: since.getTime() });
    if (until) query.andWhere('delivery.created_at < :until', { until: until.getTime() });
    return new Map((await query.getRawMany<{ status: DeliveryStatus; count: string }>()).map((row) => [row.status, Number(row.count)]));
  }

  /** The messages attempted to an endpoint, each with its delivery there (`endpoint/{ep}/msg`), by message id. */
  async ofEndpoint(appId: string, endpointId: string, filter: DeliveryFilter, page: PageRequest): Promise<Page<{ message: Message; delivery: Delivery }>> {
    const deliveries = await this.page(appId, filter, page, 'delivery.message_id', (d) => d.messageId, { column: 'endpoint_id', value: endpointId });
    const messages = await findIn(
      this.db.reader,
      Message,
      'id',
      deliveries.items.map((d) => d.messageId),
    );
    return joinPage(
      deliveries,
      messages,
      (d) => d.messageId,
      (message, delivery) => ({ message, delivery }),
    );
  }

  /** The endpoints a message was attempted to, each with its delivery (`msg/{msg}/endpoint`), by endpoint id. */
  async ofMessage(appId: string, messageId: string, filter: DeliveryFilter, page: PageRequest): Promise<Page<{ endpoint: Endpoint; delivery: Delivery }>> {
    const deliveries = await this.page(appId, filter, page, 'delivery.endpoint_id', (d) => d.endpointId, { column: 'message_id', value: messageId });
    const endpoints = await findIn(
      this.db.reader,
      Endpoint,
      'id',
      deliveries.items.map((d) => d.endpointId),
    );
    return joinPage(
      deliveries,
      endpoints,
      (d) => d.endpointId,
      (endpoint, delivery) => ({ endpoint, delivery }),
    );
  }

  private page(
    appId: string,
    filter: DeliveryFilter,
    page: PageRequest,
    keyColumn: string,
    keyOf: (delivery: Delivery) => string,
    scope: { column: 'endpoint_id' | 'message_id'; value: string },
  ): Promise<Page<Delivery>> {
    const query = this.db.reader.getRepository(Delivery).createQueryBuilder('delivery').where('delivery.app_id = :appId', { appId });
    query.andWhere(`delivery.${scope.column} = :scope`, { scope: scope.value });
    if (filter.status !== undefined) query.andWhere('delivery.status = :status', { status: filter.status });
    if (filter.statusCodeClass !== undefined) {
      const codes = filter.statusCodeClass === 0 ? 'attempt.response_status_code = 0' : 'attempt.response_status_code BETWEEN :low AND :high';
      query.andWhere(`EXISTS (SELECT 1 FROM message_attempts attempt WHERE attempt.delivery_id = delivery.id AND ${codes})`, {
        low: filter.statusCodeClass,
        high: filter.statusCodeClass + 99,
      });
    }
    whereCreatedIn(query, 'delivery', filter);
    whereOfMatchingMessages(query, 'delivery', appId, filter);
    return paginate(query, keyColumn, keyOf, page);
  }
}

/** Pairs each delivery of a page with its row (skipping rows deleted since), keeping the page's cursors. */
function joinPage<R extends { id: string }, O>(
  page: Page<Delivery>,
  rows: R[],
  keyOf: (d: Delivery) => string,
  pair: (row: R, delivery: Delivery) => O,
): Page<O> {
  const rowsById = byId(rows);
  const items = page.items.flatMap((delivery) => {
    const row = rowsById.get(keyOf(delivery));
    return row ? [pair(row, delivery)] : [];
  });
  return { ...page, items };
}

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));
