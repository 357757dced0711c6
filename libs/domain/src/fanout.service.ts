import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { HeraldConfig } from '@herald/config';
import { Delivery, DeliveryStatus, Endpoint, Message } from '@herald/persistence';
import { DeliveryScheduler } from './delivery-scheduler';
import { endpointAccepts } from './endpoint-filter';
import { newId } from './ids';
import { delayBeforeAttempt } from './retry-schedule';

/** Rows per INSERT: keeps bound parameters well under SQLite's limit. */
const INSERT_CHUNK = 100;

@Injectable()
export class FanoutService {
  private readonly logger = new Logger(FanoutService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: HeraldConfig,
  ) {}

  /**
   * Ingest's path: stores a new message together with its deliveries in one transaction, then schedules
   * the first attempts. No fan-out job and no second read of the message, which is what makes a message
   * cheap. If Redis refuses the jobs, the deliveries wait in the database, due, and the reconciler
   * schedules them; if the transaction fails, nothing was accepted.
   */
  async acceptAndFanOut(message: Message): Promise<void> {
    const endpoints = await this.db.getRepository(Endpoint).findBy({ appId: message.appId, disabled: false });
    const rows = this.deliveryRows(endpoints.filter((endpoint) => endpointAccepts(endpoint, message)).map((endpoint) => ({ message, endpoint })));
    message.fannedOutAt = new Date();
    await this.db.transaction(async (tx) => {
      await tx.getRepository(Message).insert(message);
      await this.insertDeliveries(tx, rows);
    });
    try {
      await this.scheduler.schedule(rows);
    } catch (error) {
      this.logger.warn({ msg: 'first attempts not scheduled; the reconciler will', appId: message.appId, msgId: message.id, error: (error as Error).message });
    }
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
    const scheduled = await this.createDeliveries(targets.map((endpoint) => ({ message, endpoint })), { messageId: message.id });
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
  private async insertDeliveries(db: EntityManager, rows: ReturnType<FanoutService['deliveryRows']>, orIgnore = false): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const insert = db.createQueryBuilder().insert().into(Delivery).values(rows.slice(i, i + INSERT_CHUNK));
      await (orIgnore ? insert.orIgnore() : insert).execute();
    }
  }
}
