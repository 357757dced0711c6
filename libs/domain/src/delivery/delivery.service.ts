import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Batcher } from '@herald/batching';
import { HeraldConfig } from '@herald/config';
import type { AttemptOutcome } from '@herald/contract';
import { LiveFeed } from '@herald/live';
import {
  AttemptStatus,
  AttemptTrigger,
  Delivery,
  DeliveryStatus,
  Endpoint,
  findIn,
  insertRows,
  inTransaction,
  Message,
  MessageAttempt,
  rawQuery,
} from '@herald/persistence';
import { webhookHeaders } from '@herald/signing';
import { DeliveryScheduler } from './delivery-scheduler';
import { EndpointGate } from './endpoint-gate';
import { EndpointHealth } from './endpoint-health';
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

interface Target {
  delivery: Delivery;
  message: Message;
  endpoint: Endpoint;
}

/** A scheduled attempt made, waiting to be written with others in one transaction. */
interface AttemptRecord {
  target: Target;
  attempt: number;
  outcome: HttpOutcome;
  verdict: Verdict;
}

/** Most rows one batched read or write handles. */
const BATCH = 200;

@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);
  /** Concurrent attempts share their reads (three queries for a whole batch) and their writes (one transaction). */
  private readonly targets = new Batcher<string, Partial<Target>>((ids) => this.loadTargets(ids), { maxBatch: BATCH, concurrency: 2 });
  private readonly records = new Batcher<AttemptRecord, boolean>((records) => this.recordBatch(records), { maxBatch: BATCH, concurrency: 2 });

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly client: WebhookClient,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: HeraldConfig,
    private readonly live: LiveFeed,
    private readonly gate: EndpointGate,
    private readonly health: EndpointHealth,
  ) {}

  /**
   * Performs scheduled attempt `attempt` of a delivery: sign, POST, record the attempt, then succeed,
   * schedule the next attempt or give up. A job for an attempt that is already recorded (a re-run after a
   * crash) sends nothing and only makes sure the following attempt is scheduled.
   * When the endpoint is at its in-flight cap or rate limit, nothing is sent and the answer is how many ms
   * to wait before trying again (the caller puts the job back); otherwise 0.
   */
  async attempt(deliveryId: string, attempt: number): Promise<number> {
    const { delivery, message, endpoint } = await this.targets.submit(deliveryId);
    if (!delivery || delivery.status !== DeliveryStatus.Pending) return 0;
    if (delivery.attemptCount >= attempt) {
      await this.scheduler.schedule([delivery]);
      return 0;
    }
    if (!message || !endpoint || endpoint.disabled) {
      await this.finishWithoutSending(delivery, !message || !endpoint ? 'message or endpoint deleted' : 'endpoint disabled');
      return 0;
    }
    const target = { delivery, message, endpoint };
    const admission = this.health.admit(target.endpoint);
    if (admission.wait > 0) return admission.wait;
    const holder = `${delivery.id}-${attempt}`;
    const wait = await this.gate.acquire(target.endpoint, holder, Date.now(), admission.probe ? 1 : undefined);
    if (wait > 0) return wait;
    // The slot covers the request only: writing its outcome down must not hold back the endpoint's next one.
    let outcome: HttpOutcome;
    try {
      outcome = await this.send(target);
    } finally {
      await this.gate.release(target.endpoint.id, holder);
    }
    await this.conclude(target, attempt, outcome);
    return 0;
  }

  /** Records an attempt's outcome, moves the endpoint's health, schedules the next attempt if any and streams it. */
  private async conclude(target: Target, attempt: number, outcome: HttpOutcome): Promise<void> {
    const { delivery, message, endpoint } = target;
    const verdict = this.judge(outcome, delivery, attempt);
    if (!(await this.records.submit({ target, attempt, outcome, verdict }))) return;

    if (verdict.disableEndpoint) await this.health.disable(endpoint, verdict.disableEndpoint);
    else if (succeeded(outcome)) await this.health.succeeded(endpoint);
    else await this.health.failed(endpoint);
    if (verdict.nextAttemptAt) await this.scheduler.schedule([{ id: delivery.id, attemptCount: attempt, nextAttemptAt: verdict.nextAttemptAt }]);
    await this.publish(target, attempt, outcome, outcomeOf(verdict), verdict.nextAttemptAt);
    const log = {
      msg: 'attempt',
      appId: delivery.appId,
      endpointId: endpoint.id,
      msgId: message.id,
      attempt,
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      outcome: verdict.status,
    };
    if (verdict.status === DeliveryStatus.Failed) this.logger.warn({ ...log, msg: 'delivery failed for good' });
    else this.logger.debug(log);
  }

  /**
   * A manual attempt (resend): sent now, outside the retry schedule, with the same webhook-id. Success
   * marks the delivery succeeded (any retry still scheduled then finds nothing to do); failure changes nothing.
   */
  async resend(deliveryId: string): Promise<void> {
    const { delivery, message, endpoint } = await this.targets.submit(deliveryId);
    if (!delivery || !message || !endpoint) return;
    const target = { delivery, message, endpoint };
    const outcome = await this.send(target);
    await inTransaction(this.db, async (tx) => {
      await tx.getRepository(MessageAttempt).insert(this.attemptRow(target, 0, outcome, AttemptTrigger.Manual));
      if (succeeded(outcome)) {
        await tx.getRepository(Delivery).update({ id: target.delivery.id }, { status: DeliveryStatus.Succeeded, nextAttemptAt: null, updatedAt: new Date() });
      }
    });
    await this.publish(target, 0, outcome, succeeded(outcome) ? 'succeeded' : 'failed', null);
  }

  private publish({ delivery, message }: Target, attempt: number, outcome: HttpOutcome, status: AttemptOutcome, nextAttemptAt: Date | null): Promise<void> {
    return this.live.attempt({
      appId: delivery.appId,
      endpointId: delivery.endpointId,
      msgId: message.id,
      eventType: message.eventType,
      attempt,
      status,
      responseStatusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      nextAttemptAt: nextAttemptAt?.toISOString() ?? null,
      timestamp: new Date().toISOString(),
    });
  }

  /** Each delivery with its message and endpoint (missing when deleted), read for a whole batch at once. */
  private async loadTargets(ids: string[]): Promise<Partial<Target>[]> {
    const deliveries = await findIn(this.db.manager, Delivery, 'id', ids);
    const [messages, endpoints] = await Promise.all([
      findIn(
        this.db.manager,
        Message,
        'id',
        deliveries.map((delivery) => delivery.messageId),
      ),
      findIn(
        this.db.manager,
        Endpoint,
        'id',
        deliveries.map((delivery) => delivery.endpointId),
      ),
    ]);
    const delivery = byId(deliveries);
    const message = byId(messages);
    const endpoint = byId(endpoints);
    return ids.map((id) => {
      const found = delivery.get(id);
      return found ? { delivery: found, message: message.get(found.messageId), endpoint: endpoint.get(found.endpointId) } : {};
    });
  }

  /**
   * Writes a batch of attempts in one transaction: each delivery moves on (status, attempt count, next
   * attempt) and its attempt is logged. The move is guarded by the attempt count, so if two workers ever
   * raced on one attempt, only one records it; the answer says, per record, whether it was this one.
   */
  private recordBatch(records: AttemptRecord[]): Promise<boolean[]> {
    return inTransaction(this.db, async (tx) => {
      const now = Date.now();
      const groups = new Map<string, AttemptRecord[]>();
      for (const record of records) {
        const key = `${record.attempt} ${record.verdict.status} ${record.verdict.nextAttemptAt?.getTime()}`;
        const group = groups.get(key);
        if (group) group.push(record);
        else groups.set(key, [record]);
      }
      const recorded = new Set<AttemptRecord>();
      for (const group of groups.values()) {
        const { attempt, verdict } = group[0];
        const ids = group.map((record) => record.target.delivery.id);
        const rows = await rawQuery<{ id: string }>(
          tx,
          `UPDATE deliveries SET status = ?, attempt_count = ?, next_attempt_at = ?, updated_at = ? WHERE id IN (${ids.map(() => '?').join(', ')}) AND attempt_count = ? RETURNING id`,
          [verdict.status, attempt, verdict.nextAttemptAt?.getTime() ?? null, now, ...ids, attempt - 1],
        );
        // A delivery twice in one group (the race above) is recorded once: `delete` answers true only the first time.
        const moved = new Set(rows.map(({ id }) => id));
        for (const record of group) if (moved.delete(record.target.delivery.id)) recorded.add(record);
      }
      const attempts = records
        .filter((record) => recorded.has(record))
        .map(({ target, attempt, outcome }) => this.attemptRow(target, attempt, outcome, AttemptTrigger.Scheduled));
      await insertRows(tx, MessageAttempt, attempts);
      return records.map((record) => recorded.has(record));
    });
  }

  private send({ message, endpoint }: Target): Promise<HttpOutcome> {
    // The endpoint's custom headers first, so they can never override the content type or the signature.
    const headers = {
      ...endpoint.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...webhookHeaders(signingSecrets(endpoint.secrets), message.id, Math.floor(Date.now() / 1000), message.payload),
    };
    return this.client.post(endpoint.url, headers, message.payload);
  }

  private judge(outcome: HttpOutcome, delivery: Delivery, attempt: number): Verdict {
    const { statusCode } = outcome;
    if (succeeded(outcome)) return { status: DeliveryStatus.Succeeded, nextAttemptAt: null };
    if (statusCode === 410) {
      return { status: DeliveryStatus.Failed, nextAttemptAt: null, disableEndpoint: 'The endpoint answered 410 Gone' };
    }
    const scheduled = delayBeforeAttempt(this.config.retrySchedule, attempt + 1 - delivery.scheduleOffset);
    if (scheduled === undefined) return { status: DeliveryStatus.Failed, nextAttemptAt: null };
    const retryAfter = statusCode === 429 || statusCode === 503 ? parseRetryAfter(outcome.retryAfter) : undefined;
    const delay = Math.max(scheduled, Math.min(retryAfter ?? 0, MAX_RETRY_AFTER_MS));
    return { status: DeliveryStatus.Pending, nextAttemptAt: new Date(Date.now() + delay) };
  }

  private attemptRow({ delivery, endpoint }: Target, attemptNumber: number, outcome: HttpOutcome, triggerType: AttemptTrigger) {
    return {
      id: newId.attempt(),
      deliveryId: delivery.id,
      messageId: delivery.messageId,
      endpointId: endpoint.id,
      appId: delivery.appId,
      url: endpoint.url,
      attemptNumber,
      status: succeeded(outcome) ? AttemptStatus.Success : AttemptStatus.Fail,
      responseStatusCode: outcome.statusCode,
      response: outcome.body,
      responseHeaders: outcome.headers,
      responseDurationMs: outcome.durationMs,
      triggerType,
      createdAt: new Date(),
    };
  }

  private async finishWithoutSending(delivery: Delivery, reason: string): Promise<void> {
    await this.db.getRepository(Delivery).update({ id: delivery.id }, { status: DeliveryStatus.Failed, nextAttemptAt: null, updatedAt: new Date() });
    this.logger.log({ msg: 'delivery dropped without sending', appId: delivery.appId, endpointId: delivery.endpointId, msgId: delivery.messageId, reason });
  }
}

/** Retrying while a next attempt is scheduled; exhausted when the schedule ran out; failed when stopped for another reason (410). */
function outcomeOf(verdict: Verdict): AttemptOutcome {
  if (verdict.status === DeliveryStatus.Succeeded) return 'succeeded';
  if (verdict.status === DeliveryStatus.Pending) return 'retrying';
  return verdict.disableEndpoint ? 'failed' : 'exhausted';
}

const succeeded = (outcome: HttpOutcome) => outcome.statusCode >= 200 && outcome.statusCode < 300;

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));
