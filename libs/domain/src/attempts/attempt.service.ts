import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, SelectQueryBuilder } from 'typeorm';
import type { AttemptedQuery, AttemptListQuery } from '@herald/api';
import { AttemptStatus, Delivery, DeliveryStatus, Endpoint, jsonElementPattern, Message, MessageAttempt } from '@herald/persistence';
import { NotFoundError } from './errors';
import { Page, paginate } from './pagination';

const DELIVERY_STATUS: Record<AttemptStatus, DeliveryStatus | undefined> = {
  [AttemptStatus.Success]: DeliveryStatus.Succeeded,
  [AttemptStatus.Pending]: DeliveryStatus.Pending,
  [AttemptStatus.Fail]: DeliveryStatus.Failed,
  [AttemptStatus.Sending]: undefined,
};

/** Reads the attempt log and the per-endpoint delivery state of messages. */
@Injectable()
export class AttemptService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  listByEndpoint(appId: string, endpointId: string, query: AttemptListQuery): Promise<Page<MessageAttempt>> {
    return this.list(appId, query, (q) => q.andWhere('attempt.endpoint_id = :endpointId', { endpointId }));
  }

  listByMessage(appId: string, messageId: string, query: AttemptListQuery): Promise<Page<MessageAttempt>> {
    return this.list(appId, query, (q) => {
      q.andWhere('attempt.message_id = :messageId', { messageId });
      if (query.endpoint_id) q.andWhere('attempt.endpoint_id = :endpointId', { endpointId: query.endpoint_id });
    });
  }

  async get(appId: string, messageId: string, attemptId: string): Promise<MessageAttempt> {
    const attempt = await this.db.getRepository(MessageAttempt).findOneBy({ appId, messageId, id: attemptId });
    if (!attempt) throw new NotFoundError('Message attempt');
    return attempt;
  }

  /** The messages attempted to an endpoint, each with its delivery state there (`endpoint/{ep}/msg`). */
  async attemptedMessages(appId: string, endpointId: string, query: AttemptedQuery): Promise<Page<{ message: Message; delivery: Delivery }>> {
    const deliveries = await this.deliveries(
      appId,
      query,
      'delivery.message_id',
      (d) => d.messageId,
      (q) => q.andWhere('delivery.endpoint_id = :endpointId', { endpointId }),
    );
    const messages = await this.db.getRepository(Message).findBy({ id: In(deliveries.items.map((d) => d.messageId)) });
    return joinPage(
      deliveries,
      messages,
      (d) => d.messageId,
      (message, delivery) => ({ message, delivery }),
    );
  }

  /** The endpoints a message was attempted to, each with its delivery state (`msg/{msg}/endpoint`). */
  async attemptedDestinations(appId: string, messageId: string, query: AttemptedQuery): Promise<Page<{ endpoint: Endpoint; delivery: Delivery }>> {
    const deliveries = await this.deliveries(
      appId,
      query,
      'delivery.endpoint_id',
      (d) => d.endpointId,
      (q) => q.andWhere('delivery.message_id = :messageId', { messageId }),
    );
    const endpoints = await this.db.getRepository(Endpoint).findBy({ id: In(deliveries.items.map((d) => d.endpointId)) });
    return joinPage(
      deliveries,
      endpoints,
      (d) => d.endpointId,
      (endpoint, delivery) => ({ endpoint, delivery }),
    );
  }

  private list(appId: string, query: AttemptListQuery, scope: (q: SelectQueryBuilder<MessageAttempt>) => void): Promise<Page<MessageAttempt>> {
    const q = this.db.getRepository(MessageAttempt).createQueryBuilder('attempt').where('attempt.app_id = :appId', { appId });
    scope(q);
    if (query.status !== undefined) q.andWhere('attempt.status = :status', { status: query.status });
    if (query.status_code_class !== undefined) {
      const low = query.status_code_class;
      if (low === 0) q.andWhere('attempt.response_status_code = 0');
      else q.andWhere('attempt.response_status_code BETWEEN :low AND :high', { low, high: low + 99 });
    }
    if (query.before) q.andWhere('attempt.created_at < :before', { before: query.before.getTime() });
    if (query.after) q.andWhere('attempt.created_at > :after', { after: query.after.getTime() });
    this.filterByMessage(q, 'attempt', appId, query);
    return paginate(q, 'attempt.id', (attempt) => attempt.id, query);
  }

  /** Narrows attempts or deliveries to messages of the given event types and channel. */
  private filterByMessage<T extends MessageAttempt | Delivery>(
    q: SelectQueryBuilder<T>,
    alias: string,
    appId: string,
    query: { event_types?: string[]; channel?: string },
  ): void {
    if (!query.event_types?.length && !query.channel) return;
    const messages = q.subQuery().select('message.id').from(Message, 'message').where('message.app_id = :appId', { appId });
    if (query.event_types?.length) messages.andWhere('message.event_type IN (:...eventTypes)', { eventTypes: query.event_types });
    // channels is a JSON array: a quoted, escaped match is exact.
    if (query.channel) messages.andWhere("message.channels LIKE :channel ESCAPE '\\'", { channel: jsonElementPattern(query.channel) });
    q.andWhere(`${alias}.message_id IN ${messages.getQuery()}`);
  }

  private deliveries(
    appId: string,
    query: AttemptedQuery,
    keyColumn: string,
    keyOf: (delivery: Delivery) => string,
    scope: (q: SelectQueryBuilder<Delivery>) => void,
  ): Promise<Page<Delivery>> {
    const q = this.db.getRepository(Delivery).createQueryBuilder('delivery').where('delivery.app_id = :appId', { appId });
    scope(q);
    if (query.status !== undefined) q.andWhere('delivery.status = :status', { status: DELIVERY_STATUS[query.status as AttemptStatus] ?? 'none' });
    if (query.before) q.andWhere('delivery.created_at < :before', { before: query.before.getTime() });
    if (query.after) q.andWhere('delivery.created_at > :after', { after: query.after.getTime() });
    this.filterByMessage(q, 'delivery', appId, query);
    return paginate(q, keyColumn, keyOf, query);
  }
}

/** Pairs each delivery of a page with its row (skipping rows deleted since), keeping the page's cursors. */
function joinPage<R extends { id: string }, O>(
  page: Page<Delivery>,
  rows: R[],
  keyOf: (d: Delivery) => string,
  pair: (row: R, delivery: Delivery) => O,
): Page<O> {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const items = page.items.flatMap((delivery) => {
    const row = byId.get(keyOf(delivery));
    return row ? [pair(row, delivery)] : [];
  });
  return { ...page, items };
}
