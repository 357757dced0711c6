import { Injectable, Logger } from '@nestjs/common';
import type { Attributes } from '@opentelemetry/api';
import { Batcher } from '@herald/batching';
import { HeraldConfig } from '@herald/config';
import { AttemptRecord, AttemptStatus, AttemptTrigger, DeliveryRepository, DeliveryStatus, DeliveryTarget, MessageAttempt } from '@herald/persistence';
import { activeSecrets, webhookHeaders } from '@herald/signing';
import { jobId } from '@herald/queue';
import { EndpointGate, FULL, PARKED_FOR_CIRCUIT_MS, PARKED_FOR_SLOT_MS } from '../endpoints/endpoint-gate.service';
import { EndpointHealth } from '../endpoints/endpoint-health.service';
import { newId } from '../ids';
import { AttemptFollowUp } from './attempt-follow-up.service';
import { attemptAttributes, traceAttempt, traceConclusion } from './attempt-tracing';
import { conclude, Conclusion, DELIVERY_STATUS, succeeded } from './conclusion';
import { DeliveryScheduler } from './delivery-scheduler.service';
import { HttpOutcome, WebhookClient } from './webhook-client.service';

const USER_AGENT = 'Herald-Webhooks/0.1';
/** Most rows one batched read or write handles. */
const BATCH = 200;

type Target = Required<DeliveryTarget>;

/**
 * What a delivery job comes to: done (an attempt recorded, or nothing left to do), wait and come back, or
 * park (delay the job by `ms`, then `park` it) behind the endpoint until a slot or the circuit lets it go.
 */
export type AttemptResult = { kind: 'done' } | { kind: 'wait'; ms: number } | Parking;

/** An attempt held back by its endpoint: `cap` when it waits for a slot, 0 when for the circuit. */
export interface Parking {
  kind: 'park';
  endpointId: string;
  cap: number;
  ms: number;
}

/** Before sending: go (the endpoint's slot is held), wait, or nothing to do. */
type Prepared = { kind: 'send'; target: Target; slot: string } | AttemptResult;

const DONE: AttemptResult = { kind: 'done' };

/**
 * One scheduled attempt of a delivery, in stages: prepare (load, check, admit, take the endpoint's slot) →
 * send (sign and POST) → conclude (what the response means) → record (with the attempts of concurrent
 * jobs, in one transaction) → follow up (health, next attempt, live event).
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);
  /** Concurrent attempts share their reads (three queries for a whole batch) and their writes (one transaction). */
  private readonly targets = new Batcher<string, DeliveryTarget>((ids) => this.deliveries.targets(ids), { maxBatch: BATCH, concurrency: 2 });
  private readonly records = new Batcher<AttemptRecord, boolean>((records) => this.deliveries.recordAttempts(records), { maxBatch: BATCH, concurrency: 2 });
  private readonly postponements = new Batcher<Postponement, void>((items) => this.deliveries.postpone(items), { maxBatch: BATCH, concurrency: 1 });

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly client: WebhookClient,
    private readonly scheduler: DeliveryScheduler,
    private readonly gate: EndpointGate,
    private readonly health: EndpointHealth,
    private readonly followUp: AttemptFollowUp,
    private readonly config: HeraldConfig,
  ) {}

  /**
   * Performs scheduled attempt `attempt` of a delivery. A job for an attempt already recorded (a re-run after
   * a crash) sends nothing and only makes sure the following attempt is scheduled.
   */
  async attempt(deliveryId: string, attempt: number): Promise<AttemptResult> {
    const startTime = Date.now();
    const prepared = await this.prepare(deliveryId, attempt);
    if (prepared.kind !== 'send') return prepared;
    const { target, slot } = prepared;
    return traceAttempt(target, attempt, startTime, async (span) => {
      const response = await this.send(target, slot, span.isRecording() ? attemptAttributes(target, attempt) : undefined);
      const conclusion = conclude(response, attempt, target.delivery.scheduleOffset, this.config.retrySchedule);
      traceConclusion(span, conclusion);
      const row = attemptRow(target, attempt, response, AttemptTrigger.Scheduled);
      const recorded = await this.records.submit({
        deliveryId,
        attempt,
        status: DELIVERY_STATUS[conclusion.outcome],
        nextAttemptAt: nextAttemptAt(conclusion),
        row,
      });
      if (recorded) await this.followUp.after({ target, attempt, row, response, conclusion });
      return DONE;
    });
  }

  /**
   * A manual attempt (resend): sent now, outside the retry schedule and the endpoint's slots, with the same
   * webhook-id. Success completes the delivery (any retry still scheduled then finds nothing to do); failure changes nothing.
   */
  async resend(deliveryId: string): Promise<void> {
    const startTime = Date.now();
    const target = await this.targets.submit(deliveryId);
    if (!isComplete(target)) return;
    await traceAttempt(target, 0, startTime, async (span) => {
      const response = await this.send(target, undefined, span.isRecording() ? attemptAttributes(target, 0) : undefined);
      const conclusion = succeeded(response) ? ({ outcome: 'succeeded' } as const) : ({ outcome: 'failed' } as const);
      traceConclusion(span, conclusion);
      const row = attemptRow(target, 0, response, AttemptTrigger.Manual);
      await this.deliveries.recordManualAttempt(row, succeeded(response));
      await this.followUp.after({ target, attempt: 0, row, response, conclusion });
    });
  }

  /**
   * Parks an attempt whose job has been delayed by `parking.ms`: the database's next attempt moves there too
   * (so the reconciler does not take a parked delivery for a lost one), then the gate lists it behind its endpoint.
   * Listed even when the database is away: else nothing would wake the job before its park ran out (the
   * reconciler's copy of it would be the same job, so no second attempt comes of the database's old time).
   */
  async park(deliveryId: string, attempt: number, parking: Parking): Promise<void> {
    try {
      await this.postponements.submit({ id: deliveryId, nextAttemptAt: new Date(Date.now() + parking.ms) });
    } finally {
      await this.gate.park(parking.endpointId, jobId.delivery(deliveryId, attempt), parking.cap);
    }
  }

  private async prepare(deliveryId: string, attempt: number): Promise<Prepared> {
    const target = await this.targets.submit(deliveryId);
    const { delivery, endpoint } = target;
    if (!delivery) return DONE;
    // The endpoint's holder name for this attempt: a release may have handed this job a slot while it was parked.
    const slot = jobId.delivery(delivery.id, attempt);
    /** Ends an attempt that sends nothing, passing on the slot it may have been handed. */
    const nothingToSend = async () => {
      await this.gate.release(delivery.endpointId, slot);
      return DONE;
    };
    if (delivery.status !== DeliveryStatus.Pending) return nothingToSend();
    if (delivery.attemptCount >= attempt) {
      await this.scheduler.schedule([delivery]);
      return nothingToSend();
    }
    if (!isComplete(target) || endpoint!.disabled) {
      await this.deliveries.fail(delivery.id);
      this.logger.log({
        msg: 'delivery dropped without sending',
        appId: delivery.appId,
        endpointId: delivery.endpointId,
        msgId: delivery.messageId,
        reason: isComplete(target) ? 'endpoint disabled' : 'message or endpoint deleted',
      });
      return nothingToSend();
    }
    const admission = this.health.admit(target.endpoint);
    if (admission.kind === 'wait') {
      // One held attempt per cooldown comes back as the probe; the rest wait parked for the circuit to close.
      if (await this.gate.claimProbe(endpoint!.id, admission.ms)) return admission;
      return { kind: 'park', endpointId: endpoint!.id, cap: 0, ms: PARKED_FOR_CIRCUIT_MS };
    }
    const cap = admission.kind === 'probe' ? 1 : this.config.endpointConcurrency;
    const wait = await this.gate.acquire(target.endpoint, slot, Date.now(), cap);
    if (wait === FULL) return { kind: 'park', endpointId: endpoint!.id, cap, ms: PARKED_FOR_SLOT_MS };
    return wait > 0 ? { kind: 'wait', ms: wait } : { kind: 'send', target, slot };
  }

  /**
   * Signs and POSTs; the endpoint's slot, when held, covers the request only, so recording never holds back the
   * endpoint's next one. `traced` is what the request's span carries when the attempt is traced.
   */
  private async send({ message, endpoint }: Target, slot?: string, traced?: Attributes): Promise<HttpOutcome> {
    // The endpoint's custom headers first, so they can never override the content type or the signature.
    const headers = {
      ...endpoint.headers,
      'content-type': message.contentType ?? 'application/json',
      'user-agent': USER_AGENT,
      ...webhookHeaders(activeSecrets(endpoint.secrets), message.id, Math.floor(Date.now() / 1000), message.payload),
    };
    try {
      return await this.client.post(endpoint.url, headers, message.payload, traced);
    } finally {
      if (slot) await this.gate.release(endpoint.id, slot);
    }
  }
}

type Postponement = { id: string; nextAttemptAt: Date };

const isComplete = (target: DeliveryTarget): target is Target => !!(target.delivery && target.message && target.endpoint);

const nextAttemptAt = (conclusion: Conclusion) => (conclusion.outcome === 'retrying' ? conclusion.nextAttemptAt : null);

function attemptRow({ delivery, endpoint }: Target, attemptNumber: number, response: HttpOutcome, triggerType: AttemptTrigger): MessageAttempt {
  return {
    id: newId.attempt(),
    deliveryId: delivery.id,
    messageId: delivery.messageId,
    endpointId: endpoint.id,
    appId: delivery.appId,
    url: endpoint.url,
    attemptNumber,
    status: succeeded(response) ? AttemptStatus.Success : AttemptStatus.Fail,
    responseStatusCode: response.statusCode,
    response: response.body,
    responseHeaders: response.headers,
    responseDurationMs: response.durationMs,
    triggerType,
    createdAt: new Date(),
  };
}
