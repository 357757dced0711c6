import { Injectable } from '@nestjs/common';
import { Message, MessageFilter, MessageRepository, Page, PageRequest } from '@herald/persistence';
import { found } from '../errors';

/** Reading messages; accepting them is MessageIntake's. */
@Injectable()
export class MessageService {
  constructor(private readonly messages: MessageRepository) {}

  /** Newest first by default; filtered by time window, event types, channel and tag. */
  list(appId: string, filter: MessageFilter, page: PageRequest): Promise<Page<Message>> {
    return this.messages.list(appId, filter, page);
  }

  /** Finds a message of the application by its id or its eventId. */
  async get(appId: string, idOrEventId: string): Promise<Message> {
    return found(await this.messages.findByIdOrEventId(appId, idOrEventId), 'Message');
  }
}
