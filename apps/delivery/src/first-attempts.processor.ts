import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { HeraldConfig } from '@herald/config';
import { FirstAttempts } from '@herald/domain';
import { FirstAttemptsJob, QueueName, QueueWorker } from '@herald/queue';

/**
 * First attempts of batches accepted by an ingest process without a delivery worker; and, because this
 * process has one, the first attempts of its own ingest are made here in memory (FirstAttempts.makeHere).
 */
@Injectable()
export class FirstAttemptsProcessor extends QueueWorker<QueueName.FirstAttempts> {
  constructor(
    config: HeraldConfig,
    private readonly firstAttempts: FirstAttempts,
  ) {
    super(QueueName.FirstAttempts, config);
  }

  onApplicationBootstrap(): void {
    super.onApplicationBootstrap();
    this.firstAttempts.makeHere();
  }

  /** No new batches, then the attempts in memory (what has not started goes back to the queue), then the worker. */
  async onApplicationShutdown(): Promise<void> {
    await this.pause();
    await this.firstAttempts.stop();
    await super.onApplicationShutdown();
  }

  protected process(job: Job<FirstAttemptsJob>): Promise<void> {
    return this.firstAttempts.take(job.data.deliveryIds, job.data.leasedAt);
  }
}
