import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Message } from './entities';
import { jsonElementPattern } from './rows';

/** Rows created within a window (exclusive bounds). */
export interface TimeWindow {
  before?: Date;
  after?: Date;
}

/** Which messages a list keeps: by event type and channel (and for messages themselves, tag). */
export interface MessageMatch {
  eventTypes?: string[];
  channel?: string;
  tag?: string;
}

export type MessageFilter = TimeWindow & MessageMatch;

export function whereCreatedIn<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, alias: string, { before, after }: TimeWindow): void {
  if (before) query.andWhere(`${alias}.created_at < :before`, { before: before.getTime() });
  if (after) query.andWhere(`${alias}.created_at > :after`, { after: after.getTime() });
}

/** Messages of the event types and channel asked for; channels and tags are JSON arrays, matched exactly (LIKE escaped). */
export function whereMessageMatches<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, alias: string, { eventTypes, channel, tag }: MessageMatch): void {
  if (eventTypes?.length) query.andWhere(`${alias}.event_type IN (:...eventTypes)`, { eventTypes });
  if (channel) query.andWhere(`${alias}.channels LIKE :channel ESCAPE '\\'`, { channel: jsonElementPattern(channel) });
  if (tag) query.andWhere(`${alias}.tags LIKE :tag ESCAPE '\\'`, { tag: jsonElementPattern(tag) });
}

/** Attempts or deliveries (by their message_id) of the application's messages that match. */
export function whereOfMatchingMessages<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, alias: string, appId: string, match: MessageMatch): void {
  if (!match.eventTypes?.length && !match.channel && !match.tag) return;
  const messages = query.subQuery().select('message.id').from(Message, 'message').where('message.app_id = :appId', { appId });
  whereMessageMatches(messages, 'message', match);
  query.andWhere(`${alias}.message_id IN ${messages.getQuery()}`);
}
