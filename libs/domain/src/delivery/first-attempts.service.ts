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
  /** Batch jobs waiting for room in `waiting` (`take`), let in as attempts finish. */
  private readonly waitingForRoom: (() => void)[] = [];
  /**
   * Set when one of this process's batches went to the queue for want of room here: later batches follow it
   * there, so none overtakes it; cleared once the queue has no batch waiting. Before, newer batches went
   * straight into memory whenever an attempt finished, and under lasting overload the queued ones waited for
   * the load to end (a few per cent of messages, minutes late).
   */
  private behindQueue = false;
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
    if (this.local && !this.behindQueue && this.hasRoom()) {
      void this.make(deliveryIds, leasedAt);
      return;
    }
    if (this.thread) return this.thread({ deliveryIds, leasedAt });
    if (this.local) this.behindQueue = true;
    await this.queue.add(JOB_NAME[QueueName.FirstAttempts], { deliveryIds, leasedAt }, { jobId: jobId.firstAttempts(deliveryIds) });
  }

  /**
   * A batch job from the queue: let in once there is room in memory, so a backlog waits as jobs, in order;
   * resolves once its attempts are made (a job still running when its process dies comes back when its lock
   * lapses). Stopping, it goes back to the queue for the next process.
   */
  async take(deliveryIds: string[], leasedAt: number): Promise<void> {
    while (this.local && !this.hasRoom()) await new Promise<void>((resolve) => this.waitingForRoom.push(resolve));
    if (!this.local) return this.requeue(deliveryIds, leasedAt);
    const made = this.make(deliveryIds, leasedAt);
    if (this.behindQueue && (await this.queue.getWaitingCount()) === 0) this.behindQueue = false;
    await made;
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
    this.waitingForRoom.splice(0).forEach((letIn) => letIn());
    const left = this.waiting.splice(0);
    if (left.length > 0) {
      // Their leases keep running: the earliest one bounds the batch.
      await this.requeue(
        left.map((item) => item.deliveryId),
        Math.min(...left.map((item) => item.leasedAt)),
      );
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

  /** Back to the queue, as a new job (the id of the one being run would dedupe it away), or else to the reconciler. */
  private async requeue(deliveryIds: string[], leasedAt: number): Promise<void> {
    try {
      await this.queue.add(JOB_NAME[QueueName.FirstAttempts], { deliveryIds, leasedAt });
    } catch (error) {
      this.logger.warn({ msg: 'first attempts left to the reconciler', deliveries: deliveryIds.length, error: (error as Error).message });
    }
  }

  private hasRoom(): boolean {
    return this.waiting.length < WAITING_PER_SLOT * this.config.deliveryConcurrency;
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
    while (this.waitingForRoom.length > 0 && this.hasRoom()) this.waitingForRoom.shift()!();
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
