import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { MessageIn, MessageListQuery } from '@herald/api';
import { jsonElementPattern, Message } from '@herald/persistence';
import { NotFoundError } from './errors';
import { FanoutService } from './fanout.service';
import { newId } from './ids';
import { Page, paginate } from './pagination';

@Injectable()
export class MessageService {
  constructor(
    @InjectRepository(Message) private readonly messages: Repository<Message>,
    private readonly fanout: FanoutService,
  ) {}

  /**
   * Accepts a message for the application `app` (id or uid): it is committed to the database with its
   * deliveries before this returns, and their first attempts are queued (FanoutService.accept). If Redis
   * refuses them, the message is still accepted: the deliveries wait in the database, where the
   * reconciler finds them.
   */
  async create(app: string, input: MessageIn): Promise<Message> {
    const message = this.messages.create({
      id: newId.message(),
      appId: '',
      eventType: input.eventType,
      eventId: input.eventId ?? null,
      payload: JSON.stringify(input.payload),
      channels: input.channels ?? null,
      tags: input.tags ?? null,
      createdAt: new Date(),
      fannedOutAt: null,
    });
    await this.fanout.accept(app, message);
    return message;
  }

  /** Newest first by default; filters by time window, event types, channel and tag. */
  list(appId: string, query: MessageListQuery): Promise<Page<Message>> {
    const q = this.messages.createQueryBuilder('message').where('message.app_id = :appId', { appId });
    if (query.before) q.andWhere('message.created_at < :before', { before: query.before.getTime() });
    if (query.after) q.andWhere('message.created_at > :after', { after: query.after.getTime() });
    if (query.event_types?.length) q.andWhere('message.event_type IN (:...eventTypes)', { eventTypes: query.event_types });
    // channels and tags are JSON arrays: a quoted, escaped match is exact.
    if (query.channel) q.andWhere("message.channels LIKE :channel ESCAPE '\\'", { channel: jsonElementPattern(query.channel) });
    if (query.tag) q.andWhere("message.tags LIKE :tag ESCAPE '\\'", { tag: jsonElementPattern(query.tag) });
    return paginate(q, 'message.id', (message) => message.id, query);
  }

  /** Finds a message of the application by its id or its eventId. */
  async get(appId: string, idOrEventId: string): Promise<Message> {
    const message = await this.messages.findOne({
      where: [
        { appId, id: idOrEventId },
        { appId, eventId: idOrEventId },
      ],
    });
    if (!message) throw new NotFoundError('Message');
    return message;
  }
}
