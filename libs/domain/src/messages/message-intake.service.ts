import { Injectable, Logger } from '@nestjs/common';
import { Batcher } from '@herald/batching';
import { HeraldConfig } from '@herald/config';
import { Metrics } from '@herald/live';
import {
  Application,
  Delivery,
  DeliveryRepository,
  DeliveryStatus,
  DuplicateError,
  Endpoint,
  EndpointRepository,
  Message,
  MessageRepository,
} from '@herald/persistence';
import { trace } from '@opentelemetry/api';
import { activeTraceparent, ATTR_HERALD_APP_ID, ATTR_HERALD_EVENT_TYPE, ATTR_HERALD_MESSAGE_ID } from '@herald/tracing';
import { ApplicationInput, ApplicationService } from '../applications/application.service';
import { DeliveryScheduler } from '../delivery/delivery-scheduler.service';
import { FirstAttempts } from '../delivery/first-attempts.service';
import { delayBeforeAttempt } from '../delivery/retry-schedule';
import { endpointAccepts } from '../endpoints/endpoint-filter';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { newId } from '../ids';

/** Messages accepted in one transaction at most. */
const ACCEPT_BATCH = 200;

export interface MessageInput {
  eventType: string;
  payload: Record<string, unknown>;
  eventId?: string | null;
  channels?: string[] | null;
  tags?: string[] | null;
  /** When its first attempts are due; now when absent or past. */
  deliverAt?: Date | null;
  /** A body to send as it is instead of `payload` (Svix's messageInRaw), with its content type. */
  raw?: { payload: string; contentType: string };
  /** The application to create when the path names none (Svix's create-on-send). */
  application?: ApplicationInput | null;
}

/** A message to accept for the application named by id or uid. */
interface Submission {
  app: string;
  input: MessageInput;
  /** The trace of the request that sent it: kept per message, since a batch mixes many requests' traces. */
  traceparent: string | null;
}

/**
 * Ingest's path. A message is stored with one delivery per endpoint that accepts it, in one transaction,
 * then the first attempts are queued: no fan-out job and no second read, which is what makes a message
 * cheap. Concurrent requests share the application and endpoint reads, the transaction and the queue round
 * trip. If Redis refuses the jobs, the deliveries wait in the database, due, for the reconciler.
 */
@Injectable()
export class MessageIntake {
  private readonly logger = new Logger(MessageIntake.name);
  private readonly accepting = new Batcher<Submission, Message>((batch) => this.acceptBatch(batch), { maxBatch: ACCEPT_BATCH, concurrency: 2 });

  constructor(
    private readonly applications: ApplicationService,
    private readonly endpoints: EndpointRepository,
    private readonly messages: MessageRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly scheduler: DeliveryScheduler,
    private readonly firstAttempts: FirstAttempts,
    private readonly config: HeraldConfig,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Accepts a message for the application `app` (id or uid): committed with its deliveries before this
   * returns. An unknown application is a NotFoundError, an eventId the application already has a ConflictError.
   */
  async accept(app: string, input: MessageInput): Promise<Message> {
    const message = await this.accepting.submit({ app, input, traceparent: activeTraceparent() });
    trace
      .getActiveSpan()
      ?.setAttributes({ [ATTR_HERALD_APP_ID]: message.appId, [ATTR_HERALD_MESSAGE_ID]: message.id, [ATTR_HERALD_EVENT_TYPE]: message.eventType });
    return message;
  }

  private async acceptBatch(batch: Submission[]): Promise<(Message | Error)[]> {
    const applications = await this.applications.findMany(batch.map(({ app }) => app));
    const results: (Message | Error)[] = [];
    for (const { app, input, traceparent } of batch) {
      const application = applications.get(app) ?? (await this.createOnSend(app, input.application, applications));
      results.push(application instanceof Error ? application : newMessage(application, input, traceparent));
    }
    const messages = results.filter((result): result is Message => !(result instanceof Error));
    const duplicates = await this.duplicateEventIds(messages);
    const endpoints = await this.endpoints.enabledOf(messages.map((message) => message.appId));
    const leasedAt = Date.now();
    const deliveriesOf = new Map(
      messages.map((message) => [
        message,
        this.deliveryRows(
          message,
          endpoints.filter((endpoint) => endpoint.appId === message.appId && endpointAccepts(endpoint, message)),
          leasedAt,
        ),
      ]),
    );
    const fresh = messages.filter((message) => !duplicates.has(message));
    const outcome = new Map<Message, Message | Error>(messages.map((message) => [message, duplicates.has(message) ? duplicateEventId(message) : message]));
    const failure = await this.store(fresh, deliveriesOf);
    if (failure) {
      // Whatever refused the batch (a concurrent writer of the same eventId) refuses only its own message.
      for (const message of fresh) outcome.set(message, (await this.store([message], deliveriesOf)) ?? message);
    }
    const accepted = fresh.filter((message) => outcome.get(message) === message);
    const stored = accepted.flatMap((message) => deliveriesOf.get(message)!);
    this.metrics.messagesAccepted.inc(accepted.length);
    this.metrics.deliveriesCreated.inc(stored.length);
    const leaseEnd = leasedAt + this.firstAttempts.leaseMs;
    try {
      await this.firstAttempts.hand(
        stored.filter((delivery) => delivery.nextAttemptAt?.getTime() === leaseEnd).map((delivery) => delivery.id),
        leasedAt,
      );
      await this.scheduler.schedule(stored.filter((delivery) => delivery.nextAttemptAt?.getTime() !== leaseEnd));
    } catch (error) {
      this.logger.warn({ msg: 'first attempts not handed over; the reconciler will', deliveries: stored.length, error: (error as Error).message });
    }
    return results.map((result) => (result instanceof Error ? result : outcome.get(result)!));
  }

  /**
   * The application a message names by a uid that does not exist yet, created from the message's
   * `application` (whose uid, if given, must be that one); a NotFoundError without one.
   */
  private async createOnSend(uid: string, input: ApplicationInput | null | undefined, known: Map<string, Application>): Promise<Application | Error> {
    if (!input) return new NotFoundError('Application');
    if (input.uid && input.uid !== uid)
      return new InvalidInputError(['body', 'application', 'uid'], `must be the application id or uid of the path ("${uid}")`);
    try {
      const { application } = await this.applications.create({ ...input, uid }, true);
      known.set(uid, application);
      return application;
    } catch (error) {
      // Another request created it meanwhile.
      if (error instanceof ConflictError) return this.applications.get(uid).catch((missing: Error) => missing);
      return error as Error;
    }
  }

  /** Stores messages with their deliveries; answers the error that refused them (a duplicate eventId of a lone message as a ConflictError). */
  private async store(messages: Message[], deliveriesOf: Map<Message, Delivery[]>): Promise<Error | undefined> {
    if (messages.length === 0) return undefined;
    try {
      await this.messages.insertWithDeliveries(
        messages,
        messages.flatMap((message) => deliveriesOf.get(message)!),
      );
      return undefined;
    } catch (error) {
      return messages.length === 1 && error instanceof DuplicateError ? duplicateEventId(messages[0]) : (error as Error);
    }
  }

  /** Messages whose eventId their application already has, or an earlier message of the same batch has. */
  private async duplicateEventIds(messages: Message[]): Promise<Set<Message>> {
    const withEventId = messages.filter((message) => message.eventId !== null);
    const key = (appId: string, eventId: string) => `${appId}\n${eventId}`;
    const taken = new Set(
      (await this.messages.takenEventIds(withEventId.map((message) => ({ appId: message.appId, eventId: message.eventId! })))).map((pair) =>
        key(pair.appId, pair.eventId),
      ),
    );
    const duplicates = new Set<Message>();
    for (const message of withEventId) {
      const k = key(message.appId, message.eventId!);
      if (taken.has(k)) duplicates.add(message);
      taken.add(k);
    }
    return duplicates;
  }

  /**
   * Deliveries for (message, endpoint) pairs that have none yet, their first attempts scheduled. Safe to run
   * again: a pair that has its delivery keeps it, and only new ones are scheduled. Answers how many.
   */
  async deliver(pairs: { message: Message; endpoint: Endpoint }[]): Promise<number> {
    if (pairs.length === 0) return 0;
    const created = await this.deliveries.insertMissing(pairs.flatMap(({ message, endpoint }) => this.deliveryRows(message, [endpoint])));
    await this.scheduler.schedule(created);
    return created.length;
  }

  /**
   * A message for one endpoint only (send-example): stored with that endpoint's delivery alone, whatever
   * its filters say, its first attempt scheduled. Other endpoints of the application never see it.
   */
  async acceptFor(application: Application, endpoint: Endpoint, input: MessageInput): Promise<Message> {
    const message = newMessage(application, input, activeTraceparent());
    const deliveries = this.deliveryRows(message, [endpoint]);
    await this.messages.insertWithDeliveries([message], deliveries);
    await this.scheduler.schedule(deliveries);
    return message;
  }

  /** Gives a message stored without its deliveries (by a Herald before 0.2) its deliveries, as ingest does now. */
  async deliverStored(message: Message): Promise<void> {
    const endpoints = await this.endpoints.enabledOf([message.appId]);
    await this.deliver(endpoints.filter((endpoint) => endpointAccepts(endpoint, message)).map((endpoint) => ({ message, endpoint })));
    await this.messages.markFannedOut(message.id, new Date());
  }

  /**
   * A delivery for each endpoint. Its first attempt is due when the schedule and `deliverAt` say; when that is
   * now and the caller hands the deliveries over (`leasedAt`), `nextAttemptAt` is the end of their lease instead.
   */
  private deliveryRows(message: Message, endpoints: Endpoint[], leasedAt?: number): Delivery[] {
    const now = new Date();
    const dueAt = Math.max(now.getTime() + (delayBeforeAttempt(this.config.retrySchedule, 1) ?? 0), message.deliverAt?.getTime() ?? 0);
    const firstAttemptAt = new Date(leasedAt !== undefined && dueAt <= now.getTime() ? leasedAt + this.firstAttempts.leaseMs : dueAt);
    return endpoints.map((endpoint) => ({
      id: newId.delivery(),
      messageId: message.id,
      endpointId: endpoint.id,
      appId: message.appId,
      status: DeliveryStatus.Pending,
      attemptCount: 0,
      scheduleOffset: 0,
      nextAttemptAt: firstAttemptAt,
      createdAt: now,
      updatedAt: now,
    }));
  }
}

function newMessage(application: Application, input: MessageInput, traceparent: string | null): Message {
  const now = new Date();
  return {
    id: newId.message(),
    appId: application.id,
    eventType: input.eventType,
    eventId: input.eventId ?? null,
    payload: input.raw?.payload ?? JSON.stringify(input.payload),
    contentType: input.raw?.contentType ?? null,
    deliverAt: input.deliverAt && input.deliverAt.getTime() > now.getTime() ? input.deliverAt : null,
    channels: input.channels ?? null,
    tags: input.tags ?? null,
    createdAt: now,
    // Its deliveries are stored with it.
    fannedOutAt: now,
    traceparent,
  };
}

const duplicateEventId = (message: Message) => new ConflictError(`A message with eventId "${message.eventId}" already exists in this application`);
