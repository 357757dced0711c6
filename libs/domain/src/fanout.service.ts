import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
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
    const now = new Date();
    const firstAttemptAt = new Date(now.getTime() + (delayBeforeAttempt(this.config.retrySchedule, 1) ?? 0));
    const rows = endpoints
      .filter((endpoint) => endpointAccepts(endpoint, message))
      .map((endpoint) => ({
        id: newId.delivery(),
        messageId: message.id,
        endpointId: endpoint.id,
        appId: message.appId,
        status: DeliveryStatus.Pending,
        attemptCount: 0,
        nextAttemptAt: firstAttemptAt,
        createdAt: now,
        updatedAt: now,
      }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await this.db.createQueryBuilder().insert().into(Delivery).values(rows.slice(i, i + INSERT_CHUNK)).orIgnore().execute();
    }
    const awaitingFirstAttempt = rows.length
      ? await this.db.getRepository(Delivery).findBy({ messageId: message.id, status: DeliveryStatus.Pending, attemptCount: 0 })
      : [];
    await this.scheduler.schedule(awaitingFirstAttempt);
    await this.db.getRepository(Message).update({ id: message.id }, { fannedOutAt: now });
    this.logger.debug({ msg: 'fanned out', appId: message.appId, msgId: message.id, deliveries: awaitingFirstAttempt.length });
  }
}
