import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HeraldConfig } from '@herald/config';
import { AttemptStatus, AttemptTrigger, Delivery, DeliveryStatus, Endpoint, Message, MessageAttempt } from '@herald/persistence';
import { webhookHeaders } from '@herald/signing';
import { DeliveryScheduler } from './delivery-scheduler';
import { signingSecrets } from './endpoint.service';
import { newId } from './ids';
import { delayBeforeAttempt, parseRetryAfter } from './retry-schedule';
import { HttpOutcome, WebhookClient } from './webhook-client';

const USER_AGENT = 'Herald-Webhooks/0.1';
/** Longest wait a Retry-After may impose. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** What happens to a delivery after an attempt. */
interface Verdict {
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  disableEndpoint?: string;
}

@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly client: WebhookClient,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: HeraldConfig,
  ) {}

  /**
   * Performs attempt `attempt` of a delivery: sign, POST, record the attempt, then succeed, schedule the
   * next attempt or give up. A job for an attempt that is already recorded (a re-run after a crash) sends
   * nothing and only makes sure the following attempt is scheduled.
   */
  async attempt(deliveryId: string, attempt: number): Promise<void> {
    const delivery = await this.db.getRepository(Delivery).findOneBy({ id: deliveryId });
    if (!delivery || delivery.status !== DeliveryStatus.Pending) return;
    if (delivery.attemptCount >= attempt) {
      await this.scheduler.schedule([delivery]);
      return;
    }
    const [message, endpoint] = await Promise.all([
      this.db.getRepository(Message).findOneBy({ id: delivery.messageId }),
      this.db.getRepository(Endpoint).findOneBy({ id: delivery.endpointId }),
    ]);
    if (!message || !endpoint || endpoint.disabled) {
      await this.finishWithoutSending(delivery, !message ? 'message deleted' : !endpoint ? 'endpoint deleted' : 'endpoint disabled');
      return;
    }

    // The endpoint's custom headers first, so they can never override the content type or the signature.
    const headers = {
      ...endpoint.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...webhookHeaders(signingSecrets(endpoint.secrets), message.id, Math.floor(Date.now() / 1000), message.payload),
    };
    const outcome = await this.client.post(endpoint.url, headers, message.payload);
    const verdict = this.judge(outcome, attempt);
    const recorded = await this.record(delivery, endpoint, attempt, outcome, verdict);
    if (!recorded) return;

    if (verdict.disableEndpoint) await this.disableEndpoint(endpoint, verdict.disableEndpoint);
    if (verdict.nextAttemptAt) await this.scheduler.schedule([{ id: delivery.id, attemptCount: attempt, nextAttemptAt: verdict.nextAttemptAt }]);
    const log = { msg: 'attempt', appId: delivery.appId, endpointId: endpoint.id, msgId: message.id, attempt, statusCode: outcome.statusCode, durationMs: outcome.durationMs, outcome: verdict.status };
    if (verdict.status === DeliveryStatus.Failed) this.logger.warn({ ...log, msg: 'delivery failed for good' });
    else this.logger.debug(log);
  }

  private judge(outcome: HttpOutcome, attempt: number): Verdict {
    const { statusCode } = outcome;
    if (statusCode >= 200 && statusCode < 300) return { status: DeliveryStatus.Succeeded, nextAttemptAt: null };
    if (statusCode === 410) {
      return { status: DeliveryStatus.Failed, nextAttemptAt: null, disableEndpoint: 'The endpoint answered 410 Gone' };
    }
    const scheduled = delayBeforeAttempt(this.config.retrySchedule, attempt + 1);
    if (scheduled === undefined) return { status: DeliveryStatus.Failed, nextAttemptAt: null };
    const retryAfter = statusCode === 429 || statusCode === 503 ? parseRetryAfter(outcome.retryAfter) : undefined;
    const delay = Math.max(scheduled, Math.min(retryAfter ?? 0, MAX_RETRY_AFTER_MS));
    return { status: DeliveryStatus.Pending, nextAttemptAt: new Date(Date.now() + delay) };
  }

  /**
   * Writes the attempt and moves the delivery on, in one transaction. The update is guarded by the
   * attempt count, so if two workers ever raced on the same attempt only one of them records it.
   */
  private async record(delivery: Delivery, endpoint: Endpoint, attempt: number, outcome: HttpOutcome, verdict: Verdict): Promise<boolean> {
    const now = new Date();
    return this.db.transaction(async (tx) => {
      const moved = await tx
        .createQueryBuilder()
        .update(Delivery)
        .set({ status: verdict.status, attemptCount: attempt, nextAttemptAt: verdict.nextAttemptAt, updatedAt: now })
        .where('id = :id AND attempt_count = :previous', { id: delivery.id, previous: attempt - 1 })
        .execute();
      if (!moved.affected) return false;
      await tx.getRepository(MessageAttempt).insert({
        id: newId.attempt(),
        deliveryId: delivery.id,
        messageId: delivery.messageId,
        endpointId: endpoint.id,
        appId: delivery.appId,
        url: endpoint.url,
        attemptNumber: attempt,
        status: verdict.status === DeliveryStatus.Succeeded ? AttemptStatus.Success : AttemptStatus.Fail,
        responseStatusCode: outcome.statusCode,
        response: outcome.body,
        responseDurationMs: outcome.durationMs,
        triggerType: AttemptTrigger.Scheduled,
        createdAt: now,
      });
      return true;
    });
  }

  private async finishWithoutSending(delivery: Delivery, reason: string): Promise<void> {
    await this.db.getRepository(Delivery).update({ id: delivery.id }, { status: DeliveryStatus.Failed, nextAttemptAt: null, updatedAt: new Date() });
    this.logger.log({ msg: 'delivery dropped without sending', appId: delivery.appId, endpointId: delivery.endpointId, msgId: delivery.messageId, reason });
  }

  private async disableEndpoint(endpoint: Endpoint, reason: string): Promise<void> {
    await this.db.getRepository(Endpoint).update({ id: endpoint.id }, { disabled: true, disabledReason: reason, updatedAt: new Date() });
    this.logger.warn({ msg: 'endpoint disabled', appId: endpoint.appId, endpointId: endpoint.id, reason });
  }
}
