import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere, In } from 'typeorm';
import { Batcher } from '@herald/batching';
import { HeraldConfig } from '@herald/config';
import { Delivery, DeliveryStatus, Endpoint, findIn, inTransaction, insertRows, Message } from '@herald/persistence';
import { ApplicationService } from './application.service';
import { DeliveryScheduler } from './delivery-scheduler';
import { endpointAccepts } from './endpoint-filter';
import { ConflictError, conflictOnDuplicate, NotFoundError } from './errors';
import { newId } from './ids';
import { delayBeforeAttempt } from './retry-schedule';

/** Rows per INSERT: keeps bound parameters well under SQLite's limit. */
const INSERT_CHUNK = 100;
/** Messages accepted in one transaction at most. */
const ACCEPT_BATCH = 200;

type DeliveryRow = ReturnType<FanoutService['deliveryRows']>[number];

/** A message to accept, and the id or uid of its application. */
interface NewMessage {
  app: string;
  message: Message;
}

@Injectable()
export class FanoutService {
  private readonly logger = new Logger(FanoutService.name);
  /** Concurrent ingest requests share one endpoint read, one transaction and one queue round trip. */
  private readonly accepting = new Batcher<NewMessage, true>((messages) => this.acceptBatch(messages), { maxBatch: ACCEPT_BATCH, concurrency: 2 });

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: HeraldConfig,
    private readonly applications: ApplicationService,
  ) {}

  /**
   * Ingest's path: stores a new message together with its deliveries in one transaction, then schedules
   * the first attempts. No fan-out job and no second read of the message, which is what makes a message
   * cheap. If Redis refuses the jobs, the deliveries wait in the database, due, and the reconciler
   * schedules them; if the transaction fails, nothing was accepted. `app` is the application's id or
   * uid (the message gets its id): an unknown one is a NotFoundError, an eventId the application already
   * has a ConflictError.
   */
  async accept(app: string, message: Message): Promise<void> {
    await this.accepting.submit({ app, message });
  }

  private async acceptBatch(batch: NewMessage[]): Promise<(true | Error)[]> {
    const results = new Map<Message, true | Error>();
    const applicationOf = await this.applications.findMany(batch.map(({ app }) => app));
    const messages: Message[] = [];
    for (const { app, message } of batch) {
      const application = applicationOf.get(app);
      if (!application) results.set(message, new NotFoundError('Application'));
      else messages.push(Object.assign(message, { appId: application.id }));
    }
    const endpoints = (
      await findIn(
        this.db.manager,
        Endpoint,
        'appId',
        messages.map((message) => message.appId),
      )
    ).filter((endpoint) => !endpoint.disabled);
    const rowsOf = new Map<Message, DeliveryRow[]>();
    for (const message of messages) {
      const targets = endpoints.filter((endpoint) => endpoint.appId === message.appId && endpointAccepts(endpoint, message));
      rowsOf.set(message, this.deliveryRows(targets.map((endpoint) => ({ message, endpoint }))));
    }
    const duplicates = await this.duplicateEventIds(messages);
    for (const message of duplicates) results.set(message, duplicateEventId(message));
    const fresh = messages.filter((message) => !duplicates.has(message));
    const failure = await this.store(fresh, rowsOf).then(
      () => undefined,
      (error: Error) => error,
    );
    for (const message of fresh) results.set(message, failure ?? true);
    if (failure && fresh.length > 1) {
      // Whatever refused the batch (a concurrent writer of the same eventId) refuses only its own message.
      for (const message of fresh)
        results.set(
          message,
          await this.store([message], rowsOf).then(
            () => true as const,
            (error: Error) => error,
          ),
        );
    }
    const stored = messages.filter((message) => results.get(message) === true);
    try {
      await this.scheduler.schedule(stored.flatMap((message) => rowsOf.get(message)!));
    } catch (error) {
      this.logger.warn({ msg: 'first attempts not scheduled; the reconciler will', messages: stored.length, error: (error as Error).message });
    }
    return batch.map(({ message }) => results.get(message)!);
  }

  private async store(messages: Message[], rowsOf: Map<Message, DeliveryRow[]>): Promise<void> {
    if (messages.length === 0) return;
    const fannedOutAt = new Date();
    for (const message of messages) message.fannedOutAt = fannedOutAt;
    const write = () =>
      inTransaction(this.db, async (tx) => {
        await insertRows(tx, Message, messages);
        await insertRows(
          tx,
          Delivery,
          messages.flatMap((message) => rowsOf.get(message)!),
        );
      });
    // Alone, a unique violation can only be the message's eventId, taken meanwhile by another writer.
    await (messages.length === 1 ? conflictOnDuplicate(write, duplicateEventId(messages[0]).message) : write());
  }

  /** Messages whose eventId their application already has, or an earlier message of the same batch has. */
  private async duplicateEventIds(messages: Message[]): Promise<Set<Message>> {
    const withEventId = messages.filter((message) => message.eventId !== null);
    if (withEventId.length === 0) return new Set();
    const key = (appId: string, eventId: string) => `${appId}\n${eventId}`;
    const existing = await this.db.getRepository(Message).find({
      select: { appId: true, eventId: true },
      where: { appId: In([...new Set(withEventId.map((message) => message.appId))]), eventId: In(withEventId.map((message) => message.eventId)) },
    });
    const taken = new Set(existing.map((message) => key(message.appId, message.eventId!)));
    const duplicates = new Set<Message>();
    for (const message of withEventId) {
      const k = key(message.appId, message.eventId!);
      if (taken.has(k)) duplicates.add(message);
      taken.add(k);
    }
    return duplicates;
  }

  /**
   * Creates one delivery per matching endpoint and schedules the first attempts. Safe to run again for
   * the same message (a crash, a re-enqueue): the unique (message, endpoint) constraint keeps one row per
   * pair, and only deliveries still waiting for their first attempt are scheduled.
   */
  async fanOut(messageId: string): Promise<void> {
    const message = await this.db.getRepository(Message).findOneBy({ id: messageId });
    if (!message) {
      this.logger.warn({ msg: 'fan-out for a message that no longer exists', msgId: messageId });
      return;
    }
    const endpoints = await this.db.getRepository(Endpoint).findBy({ appId: message.appId, disabled: false });
    const targets = endpoints.filter((endpoint) => endpointAccepts(endpoint, message));
    const scheduled = await this.createDeliveries(
      targets.map((endpoint) => ({ message, endpoint })),
      { messageId: message.id },
    );
    await this.db.getRepository(Message).update({ id: message.id }, { fannedOutAt: new Date() });
    this.logger.debug({ msg: 'fanned out', appId: message.appId, msgId: message.id, deliveries: scheduled });
  }

  /**
   * Inserts a delivery for each (message, endpoint) pair that has none, then schedules the first attempt
   * of every delivery in `scope` still waiting for it. Returns how many were scheduled.
   */
  async createDeliveries(pairs: { message: Message; endpoint: Endpoint }[], scope: FindOptionsWhere<Delivery>): Promise<number> {
    if (pairs.length === 0) return 0;
    await this.insertDeliveries(this.db.manager, this.deliveryRows(pairs), true);
    const awaitingFirstAttempt = await this.db.getRepository(Delivery).findBy({ ...scope, status: DeliveryStatus.Pending, attemptCount: 0 });
    await this.scheduler.schedule(awaitingFirstAttempt);
    return awaitingFirstAttempt.length;
  }

  private deliveryRows(pairs: { message: Message; endpoint: Endpoint }[]) {
    const now = new Date();
    const firstAttemptAt = new Date(now.getTime() + (delayBeforeAttempt(this.config.retrySchedule, 1) ?? 0));
    return pairs.map(({ message, endpoint }) => ({
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

  /** `orIgnore` when rows may already exist (a re-run): the unique (message, endpoint) pair keeps one. */
  private async insertDeliveries(db: EntityManager, rows: DeliveryRow[], orIgnore = false): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const insert = db
        .createQueryBuilder()
        .insert()
        .into(Delivery)
        .values(rows.slice(i, i + INSERT_CHUNK));
      await (orIgnore ? insert.orIgnore() : insert).execute();
    }
  }
}

const duplicateEventId = (message: Message) => new ConflictError(`A message with eventId "${message.eventId}" already exists in this application`);
