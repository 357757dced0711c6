import { Injectable, Logger } from '@nestjs/common';
import type { AttemptOutcome } from '@herald/contract';
import { LiveFeed, Metrics } from '@herald/live';
import type { DeliveryTarget, MessageAttempt } from '@herald/persistence';
import { EndpointHealth } from '../endpoints/endpoint-health.service';
import { OperationalWebhooks } from '../operational-webhooks/operational-webhook.service';
import type { Conclusion } from './conclusion';
import { DeliveryScheduler } from './delivery-scheduler.service';
import type { HttpOutcome } from './webhook-client.service';

/** An attempt that has been recorded: what it was sent to, what came back, and what that means. */
export interface RecordedAttempt {
  target: Required<DeliveryTarget>;
  /** The scheduled attempt's number; 0 for a manual resend. */
  attempt: number;
  /** The attempt as logged. */
  row: MessageAttempt;
  response: HttpOutcome;
  conclusion: Conclusion;
}

/**
 * Everything that follows a recorded attempt, in one hand-off: the endpoint's health (and through it
 * `endpoint.disabled` to the operators), the next attempt, the operational events about the message's attempts,
 * the live event and the log line.
 */
@Injectable()
export class AttemptFollowUp {
  private readonly logger = new Logger('Delivery');

  constructor(
    private readonly health: EndpointHealth,
    private readonly scheduler: DeliveryScheduler,
    private readonly live: LiveFeed,
    private readonly operators: OperationalWebhooks,
    private readonly metrics: Metrics,
  ) {}

  async after({ target, attempt, row, response, conclusion }: RecordedAttempt): Promise<void> {
    const { delivery, message, endpoint } = target;
    // A manual attempt (0) is the operator's, outside the schedule: it moves no health.
    if (conclusion.outcome === 'failed' && conclusion.disableEndpoint) await this.health.disable(endpoint, conclusion.disableEndpoint);
    else if (attempt > 0 && conclusion.outcome === 'succeeded') await this.health.succeeded(endpoint);
    else if (attempt > 0) await this.health.failed(endpoint);
    const nextAttemptAt = conclusion.outcome === 'retrying' ? conclusion.nextAttemptAt : null;
    if (nextAttemptAt) await this.scheduler.schedule([{ id: delivery.id, attemptCount: attempt, nextAttemptAt }]);
    if (attempt > 0) await this.operators.attemptConcluded(target, row, conclusion.outcome);
    await this.publish(target, attempt, response, conclusion.outcome, nextAttemptAt);
    const sinceAccepted = (Date.now() - message.createdAt.getTime()) / 1_000;
    this.metrics.deliveryLatency.observe({ attempt: attempt === 0 ? 'manual' : attempt === 1 ? 'first' : 'retry', outcome: conclusion.outcome }, sinceAccepted);
    const log = {
      msg: 'attempt',
      appId: delivery.appId,
      endpointId: endpoint.id,
      msgId: message.id,
      attempt,
      statusCode: response.statusCode,
      durationMs: response.durationMs,
      outcome: conclusion.outcome,
    };
    if (conclusion.outcome === 'exhausted' || conclusion.outcome === 'failed') this.logger.warn({ ...log, msg: 'delivery failed for good' });
    else this.logger.debug(log);
  }

  private publish(
    { delivery, message }: Required<DeliveryTarget>,
    attempt: number,
    response: HttpOutcome,
    status: AttemptOutcome,
    nextAttemptAt: Date | null,
  ): Promise<void> {
    return this.live.attempt({
      appId: delivery.appId,
      endpointId: delivery.endpointId,
      msgId: message.id,
      eventType: message.eventType,
      attempt,
      status,
      responseStatusCode: response.statusCode,
      durationMs: response.durationMs,
      nextAttemptAt: nextAttemptAt?.toISOString() ?? null,
      timestamp: new Date().toISOString(),
    });
  }
}
