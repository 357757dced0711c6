import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import type { HeraldConfig } from '@herald/config';
import { JobDataOf, QueueName, workerSettings } from './queues';
import { bullConnection, bullPrefix } from './redis';

/**
 * Base class of every processor: it owns one BullMQ worker built from the contract table, started
 * once the app has booted and closed within the shutdown bound. Subclasses only implement `process`.
 */
export abstract class QueueWorker<Q extends QueueName> implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private worker?: Worker<JobDataOf[Q]>;
  private connection?: ReturnType<typeof bullConnection>;

  protected constructor(
    private readonly queue: Q,
    protected readonly config: HeraldConfig,
  ) {}

  protected abstract process(job: Job<JobDataOf[Q]>, token?: string): Promise<void>;

  onApplicationBootstrap(): void {
    this.connection = bullConnection(this.config.redisUrl, 'worker');
    this.worker = new Worker<JobDataOf[Q]>(this.queue, (job, token) => this.process(job, token), {
      connection: this.connection,
      prefix: bullPrefix(this.config),
      ...workerSettings(this.queue, this.config),
    });
    this.worker.on('failed', (job, error) =>
      this.logger.warn({ msg: 'job failed', queue: this.queue, jobId: job?.id, attemptsMade: job?.attemptsMade, error: error.message }),
    );
    this.worker.on('error', (error) => this.logger.error({ msg: 'worker error', queue: this.queue, error: error.message }));
  }

  /** Stops taking new jobs; those running go on. */
  protected async pause(): Promise<void> {
    await this.worker?.pause(true);
  }

  /** Stops taking jobs and waits for the running ones, at most the shutdown timeout (close() has no bound of its own). */
  async onApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    const closing = this.worker.close();
    const timedOut = new Promise<'timeout'>((resolve) => setTimeout(resolve, this.config.shutdownTimeoutMs, 'timeout').unref());
    if ((await Promise.race([closing, timedOut])) === 'timeout') {
      this.logger.warn({ msg: 'worker did not finish in time; closing it forcibly', queue: this.queue });
      await this.worker.close(true);
    }
    if (this.connection instanceof Cluster) this.connection.disconnect();
  }
}
