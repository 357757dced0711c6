import { Injectable, Logger } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { DeliveryFilter, DeliveryRepository, DeliveryStatus, Endpoint, Message, MessageRepository } from '@herald/persistence';
import { DeliveryScheduler } from '../delivery/delivery-scheduler.service';
import { delayBeforeAttempt } from '../delivery/retry-schedule';
import { endpointAccepts } from '../endpoints/endpoint-filter';
import { ConflictError } from '../errors';
import { newId } from '../ids';
import { MessageIntake } from '../messages/message-intake.service';

/** Rows handled per round trip, so a large recovery never holds one huge result in memory. */
const BATCH = 500;

/**
 * Sending again, on an operator's request: recover an endpoint's failed deliveries, replay the messages it
 * never got, resend one message. (Reconciliation is the system putting back work Redis lost.)
 */
@Injectable()
export class RedeliveryService {
  private readonly logger = new Logger(RedeliveryService.name);

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly messages: MessageRepository,
    private readonly intake: MessageIntake,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: HeraldConfig,
  ) {}

  /** Puts the endpoint's failed deliveries created in [since, until) back on the retry schedule, from its start. */
  async recover(endpoint: Endpoint, since: Date, until?: Date | null): Promise<number> {
    let recovered = 0;
    for (;;) {
      const failed = await this.deliveries.failed(endpoint.id, since, until ?? undefined, BATCH);
      if (failed.length === 0) break;
      const nextAttemptAt = new Date(Date.now() + (delayBeforeAttempt(this.config.retrySchedule, 1) ?? 0));
      await this.deliveries.restart(failed, nextAttemptAt);
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
    for (let after = ''; ;) {
      const messages = await this.messages.notDeliveredTo(endpoint, since, until ?? undefined, after, BATCH);
      if (messages.length === 0) break;
      after = messages[messages.length - 1].id;
      const wanted = messages.filter((message) => endpointAccepts({ ...endpoint, disabled: false }, message));
      replayed += await this.intake.deliver(wanted.map((message) => ({ message, endpoint })));
    }
    this.logger.log({ msg: 'replayed missing messages', appId: endpoint.appId, endpointId: endpoint.id, count: replayed });
    return replayed;
  }

  /**
   * Sends the endpoint again every message of [since, until) it was sent before, delivered or failed alike,
   * that matches the filter (Svix's bulk replay): one manual attempt each, with the message's webhook-id.
   */
  async bulkReplay(
    endpoint: Endpoint,
    since: Date,
    until: Date | null | undefined,
    { status, ...filter }: Omit<DeliveryFilter, 'before' | 'after' | 'status'> & { status?: DeliveryStatus | null },
  ): Promise<number> {
    // A status no delivery ever has (Svix's Sending, Canceled) matches nothing.
    if (status === null) return 0;
    let replayed = 0;
    const window = { after: new Date(since.getTime() - 1), before: until ?? undefined };
    for (let iterator: string | undefined; ;) {
      const page = await this.deliveries.ofEndpoint(
        endpoint.appId,
        endpoint.id,
        { ...filter, status, ...window },
        { limit: BATCH, iterator, order: 'ascending' },
      );
      for (const { delivery } of page.items) await this.scheduler.resend(delivery.id);
      replayed += page.items.length;
      if (page.done || page.iterator === null) break;
      iterator = page.iterator;
    }
    this.logger.log({ msg: 'bulk replay', appId: endpoint.appId, endpointId: endpoint.id, count: replayed });
    return replayed;
  }

  /** Queues a manual attempt of the message to the endpoint, with the message's webhook-id. */
  async resend(message: Message, endpoint: Endpoint): Promise<void> {
    if (endpoint.disabled) throw new ConflictError('The endpoint is disabled; enable it before resending');
    let delivery = await this.deliveries.findForPair(message.id, endpoint.id);
    if (!delivery) {
      // Never routed here before: a delivery with nothing scheduled, which the manual attempt may complete.
      const now = new Date();
      await this.deliveries.insertMissing([
        {
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
        },
      ]);
      delivery = (await this.deliveries.findForPair(message.id, endpoint.id))!;
    }
    await this.scheduler.resend(delivery.id);
  }
}
