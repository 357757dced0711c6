import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { HeraldConfig } from '@herald/config';
import { Delivery, DeliveryStatus, Endpoint, inTransaction, Message } from '@herald/persistence';
import { DeliveryScheduler } from './delivery-scheduler';
import { endpointAccepts } from './endpoint-filter';
import { ConflictError } from './errors';
import { FanoutService } from './fanout.service';
import { newId } from './ids';
import { delayBeforeAttempt } from './retry-schedule';

/** Rows handled per round trip, so a large recovery never holds one huge result in memory. */
const BATCH = 500;

/** Sending again: recover failed deliveries, replay messages an endpoint never got, resend one message. */
@Injectable()
export class RedeliveryService {
  private readonly logger = new Logger(RedeliveryService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scheduler: DeliveryScheduler,
    private readonly fanout: FanoutService,
    private readonly config: HeraldConfig,
  ) {}

  /**
   * Puts the endpoint's failed deliveries created in [since, until) back on the retry schedule, from its
   * start. Attempt numbers go on counting, so every new attempt gets a job id of its own.
   */
  async recover(endpoint: Endpoint, since: Date, until?: Date | null): Promise<number> {
    let recovered = 0;
    for (;;) {
      const query = this.db
        .getRepository(Delivery)
        .createQueryBuilder('delivery')
        .where('delivery.endpoint_id = :endpointId AND delivery.status = :failed AND delivery.created_at >= :since', {
          endpointId: endpoint.id,
          failed: DeliveryStatus.Failed,
          since: since.getTime(),
        });
      if (until) query.andWhere('delivery.created_at < :until', { until: until.getTime() });
      const failed = await query.orderBy('delivery.id').take(BATCH).getMany();
      if (failed.length === 0) break;
      const nextAttemptAt = new Date(Date.now() + (delayBeforeAttempt(this.config.retrySchedule, 1) ?? 0));
      await inTransaction(this.db, async (tx) => {
        for (const delivery of failed) {
          await tx
            .getRepository(Delivery)
            .update(
              { id: delivery.id, status: DeliveryStatus.Failed },
              { status: DeliveryStatus.Pending, scheduleOffset: delivery.attemptCount, nextAttemptAt, updatedAt: new Date() },
            );
        }
      });
      await this.scheduler.schedule(failed.map((delivery) => ({ ...delivery, nextAttemptAt })));
      recovered += failed.length;
    }
    this.logger.log({ msg: 'recovered failed deliveries', appId: endpoint.appId, endpointId: endpoint.id, count: recovered });
    return recovered;
  }

  /**
   * Delivers to the endpoint every message created in [since, until) that it accepts (event types,
   * channels) but was never attempted to it: messages from before it existed, or before a filter changed.
   */
  async replayMissing(endpoint: Endpoint, since: Date, until?: Date | null): Promise<number> {
    let replayed = 0;
    let after = '';
    for (;;) {
      const query = this.db
        .getRepository(Message)
        .createQueryBuilder('message')
        .where('message.app_id = :appId AND message.created_at >= :since AND message.id > :after', { appId: endpoint.appId, since: since.getTime(), after })
        .andWhere(
          (q) =>
            `NOT EXISTS ${q.subQuery().select('1').from(Delivery, 'delivery').where('delivery.message_id = message.id AND delivery.endpoint_id = :endpointId').getQuery()}`,
          {
            endpointId: endpoint.id,
          },
        );
      if (until) query.andWhere('message.created_at < :until', { until: until.getTime() });
      const messages = await query.orderBy('message.id').take(BATCH).getMany();
      if (messages.length === 0) break;
      after = messages[messages.length - 1].id;
      const wanted = messages.filter((message) => endpointAccepts({ ...endpoint, disabled: false }, message));
      replayed += await this.fanout.createDeliveries(
        wanted.map((message) => ({ message, endpoint })),
        { endpointId: endpoint.id, messageId: In(wanted.map((message) => message.id)) },
      );
    }
    this.logger.log({ msg: 'replayed missing messages', appId: endpoint.appId, endpointId: endpoint.id, count: replayed });
    return replayed;
  }

  /** Queues a manual attempt of the message to the endpoint, with the message's webhook-id. */
  async resend(message: Message, endpoint: Endpoint): Promise<void> {
    if (endpoint.disabled) throw new ConflictError('The endpoint is disabled; enable it before resending');
    const repository = this.db.getRepository(Delivery);
    let delivery = await repository.findOneBy({ messageId: message.id, endpointId: endpoint.id });
    if (!delivery) {
      // Never routed here before: a delivery with nothing scheduled, which the manual attempt may complete.
      const now = new Date();
      await this.db
        .createQueryBuilder()
        .insert()
        .into(Delivery)
        .values({
          id: newId.delivery(),
          messageId: message.id,
          endpointId: endpoint.id,
          appId: message.appId,
          status: DeliveryStatus.Failed,
          attemptCount: 0,
          scheduleOffset: 0,
          nextAttemptAt: null,
          createdAt: now,
          updatedAt: now,
        })
        .orIgnore()
        .execute();
      delivery = await repository.findOneByOrFail({ messageId: message.id, endpointId: endpoint.id });
    }
    await this.scheduler.resend(delivery.id);
  }
}
