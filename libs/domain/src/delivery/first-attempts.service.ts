import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Batcher } from '@herald/batching';
import { HeraldConfig } from '@herald/config';
import { FirstAttemptsJob, JOB_NAME, jobId, QueueName } from '@herald/queue';
import { DeliveryScheduler } from './delivery-scheduler.service';
import { DeliveryService } from './delivery.service';

/** Deliveries waiting in memory, per concurrent attempt allowed, before new batches go to the queue instead. */
const WAITING_PER_SLOT = 20;

interface Handed {
  deliveryId: string;
  /** When its lease began (the lease is its nextAttemptAt in the database). */
  leasedAt: number;
  done: () => void;
}

/**
 * The first attempts of new deliveries, without a queue job each. The database is the record of every
 * delivery, so the happy path needs no job per delivery as well: ingest commits a batch with each delivery's
 * `nextAttemptAt` set to a lease, then hands it here. In the process that runs the delivery worker (the
 * all-in-one) the attempts are made in memory; a process without one (split ingest) sends the batch to the
 * delivery processes as one job. An attempt that must wait or is parked (a full endpoint, an open circuit) or
 * fails for want of Redis or the database becomes an ordinary delayed job. If the process dies first, the reconciler
 * finds the deliveries once their lease has run out, so nothing is lost; and it never takes one before, so
 * no delivery is attempted twice at once.
 */
@Injectable()
export class FirstAttempts {
  private readonly logger = new Logger(FirstAttempts.name);
  private readonly waiting: Handed[] = [];
  private running = 0;
  private idle?: () => void;
  private local = false;
  /** The all-in-one's delivery thread, when delivery runs on one: batches go to it as a message instead of a job. */
  private thread?: (batch: FirstAttemptsJob) => void;
  /** First attempts whose lease is nearly out, queued as delayed jobs in batches. */
  private readonly overdue = new Batcher<string, void>(
    async (ids) => {
      await this.scheduler.schedule(ids.map((id) => ({ id, attemptCount: 0, nextAttemptAt: null })));
      return ids.map(() => undefined);
    },
    { maxBatch: 500, concurrency: 1 },
  );
  /** How long a handed-over delivery is left to this path before the reconciler may take it. */
  readonly leaseMs: number;

  constructor(
    private readonly deliveries: DeliveryService,
    private readonly scheduler: DeliveryScheduler,
    @InjectQueue(QueueName.FirstAttempts) private readonly queue: Queue<FirstAttemptsJob>,
    private readonly config: HeraldConfig,
  ) {
    this.leaseMs = 2 * config.deliveryTimeoutMs + 30_000;
  }

  /** Called when this process runs the delivery worker: first attempts of its own ingest are made here. */
  makeHere(): void {
    this.local = true;
  }

  /**
   * Called by the all-in-one's main thread while its delivery thread runs (and with nothing once it stops): first
   * attempts of this thread's ingest go there in memory. A batch the thread cannot take then becomes a job there.
   */
  makeOnThread(thread: ((batch: FirstAttemptsJob) => void) | undefined): void {
    this.thread = thread;
  }

  /** Hands over committed deliveries whose lease began at `leasedAt`. Resolves once they are taken, not once attempted. */
  async hand(deliveryIds: string[], leasedAt: number): Promise<void> {
    if (deliveryIds.length === 0) return;
    if (this.local && this.waiting.length < WAITING_PER_SLOT * this.config.deliveryConcurrency) {
      void this.make(deliveryIds, leasedAt);
      return;
    }
    if (this.thread) return this.thread({ deliveryIds, leasedAt });
    await this.queue.add(JOB_NAME[QueueName.FirstAttempts], { deliveryIds, leasedAt }, { jobId: jobId.firstAttempts(deliveryIds) });
  }

  /** Makes the first attempts of these deliveries here; resolves when each one has been made, handed on, or left to the reconciler. */
  make(deliveryIds: string[], leasedAt: number): Promise<void> {
    const all = deliveryIds.map((deliveryId) => new Promise<void>((done) => this.waiting.push({ deliveryId, leasedAt, done })));
    this.pump();
    return Promise.all(all).then(() => undefined);
  }

  /**
   * Stops taking work in memory: what has not started goes to the queue (or, failing that, to the
   * reconciler); attempts in flight are waited for, up to HERALD_SHUTDOWN_TIMEOUT, so none is cut off.
   */
  async stop(): Promise<void> {
    this.local = false;
    const left = this.waiting.splice(0);
    if (left.length > 0) {
      try {
        // Their leases keep running: the earliest one bounds the batch.
        const leasedAt = Math.min(...left.map((item) => item.leasedAt));
        await this.queue.add(JOB_NAME[QueueName.FirstAttempts], { deliveryIds: left.map((item) => item.deliveryId), leasedAt });
      } catch (error) {
        this.logger.warn({ msg: 'first attempts left to the reconciler', deliveries: left.length, error: (error as Error).message });
      }
      left.forEach((item) => item.done());
    }
    if (this.running === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (this.idle = resolve)),
      new Promise((resolve) => (timer = setTimeout(resolve, this.config.shutdownTimeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private pump(): void {
    while (this.running < this.config.deliveryConcurrency && this.waiting.length > 0) {
      const item = this.waiting.shift()!;
      // Started no later than this, an attempt ends (its timeout) well before the reconciler may look at it.
      // One that waited longer (a backlog) goes to the queue instead: its job id dedupes with the reconciler's.
      if (Date.now() > item.leasedAt + this.leaseMs - this.config.deliveryTimeoutMs - 5_000) {
        this.overdue.submit(item.deliveryId).then(item.done, (error: Error) => {
          this.logger.warn({ msg: 'first attempt left to the reconciler', deliveryId: item.deliveryId, error: error.message });
          item.done();
        });
        continue;
      }
      this.running++;
      void this.attempt(item.deliveryId).finally(() => {
        this.running--;
        item.done();
        if (this.running === 0) this.idle?.();
        this.pump();
      });
    }
  }

  private async attempt(deliveryId: string): Promise<void> {
    try {
      const result = await this.deliveries.attempt(deliveryId, 1);
      if (result.kind === 'wait') await this.later(deliveryId, result.ms + Math.floor(Math.random() * result.ms));
      if (result.kind === 'park') {
        await this.later(deliveryId, result.ms);
        await this.deliveries.park(deliveryId, 1, result);
      }
    } catch (error) {
      this.logger.warn({ msg: 'first attempt failed; queued to try again', deliveryId, error: (error as Error).message });
      await this.later(deliveryId, 1_000).catch(() => undefined); // Redis away too: the reconciler takes it after the lease
    }
  }

  /** The first attempt as a delayed job, `ms` from now. */
  private later(deliveryId: string, ms: number): Promise<void> {
    return this.scheduler.schedule([{ id: deliveryId, attemptCount: 0, nextAttemptAt: new Date(Date.now() + ms) }]);
  }
}
