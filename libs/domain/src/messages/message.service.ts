import { Injectable } from '@nestjs/common';
import { EndpointRepository, Message, MessageFilter, MessageRepository, Page, PageRequest } from '@herald/persistence';
import { endpointAccepts } from '../endpoints/endpoint-filter';
import { found } from '../errors';

/** Reading messages, and forgetting their content; accepting them is MessageIntake's. */
@Injectable()
export class MessageService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly endpoints: EndpointRepository,
  ) {}

  /** Newest first by default; filtered by time window, event types, channel and tag. */
  list(appId: string, filter: MessageFilter, page: PageRequest): Promise<Page<Message>> {
    return this.messages.list(appId, filter, page);
  }

  /** The application's messages with these ids, by id. */
  async byIds(appId: string, ids: string[]): Promise<Map<string, Message>> {
    return new Map((await this.messages.findMany(appId, ids)).map((message) => [message.id, message]));
  }

  /** Finds a message of the application by its id or its eventId. */
  async get(appId: string, idOrEventId: string): Promise<Message> {
    return found(await this.messages.findByIdOrEventId(appId, idOrEventId), 'Message');
  }

  /** Whether a message of this event type and channels would go anywhere: an enabled endpoint of the application accepts it. Nothing is stored. */
  async precheck(appId: string, message: Pick<Message, 'eventType' | 'channels'>): Promise<boolean> {
    return (await this.endpoints.enabledOf([appId])).some((endpoint) => endpointAccepts(endpoint, message));
  }

  /**
   * The right to be forgotten: the message's payload is deleted (it reads `{}` from now on, and can no
   * longer be sent again); the message, its deliveries and attempts stay as a record.
   */
  async expungeContent(appId: string, idOrEventId: string): Promise<void> {
    const message = await this.get(appId, idOrEventId);
    await this.messages.expungePayloads(appId, [message.id]);
  }

  /** Expunges the payloads of the messages named (by id): each one answers expunged or not found. */
  async expungeMany(appId: string, ids: string[]): Promise<Record<string, 'expunged' | 'not-found'>> {
    const expunged = new Set(await this.messages.expungePayloads(appId, ids));
    return Object.fromEntries(ids.map((id) => [id, expunged.has(id) ? 'expunged' : 'not-found']));
  }

  /** Expunges the payloads of every message of the application; answers how many. */
  async expungeAll(appId: string): Promise<number> {
    return (await this.messages.expungePayloads(appId)).length;
  }
}
