import { Injectable } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { HeraldConfig } from '@herald/config';
import { DeliveryService } from '@herald/domain';
import { DeliveryJob, QueueName, QueueWorker } from '@herald/queue';

@Injectable()
export class DeliveryProcessor extends QueueWorker<QueueName.Deliveries> {
  constructor(
    config: HeraldConfig,
    private readonly deliveries: DeliveryService,
  ) {
    super(QueueName.Deliveries, config);
  }

  /**
   * An attempt told to wait (rate limit, the circuit's probe) goes back to delayed: not an attempt, not a failure.
   * One held back by its endpoint (full, circuit open) is delayed far ahead and parked, to be woken when the endpoint lets it go.
   */
  protected async process(job: Job<DeliveryJob>, token?: string): Promise<void> {
    const { deliveryId, attempt } = job.data;
    if (attempt === 0) return this.deliveries.resend(deliveryId);
    const result = await this.deliveries.attempt(deliveryId, attempt);
    if (result.kind === 'done') return;
    if (result.kind === 'park') {
      await job.moveToDelayed(Date.now() + result.ms, token);
      await this.deliveries.park(deliveryId, attempt, result);
    } else {
      // Jitter spreads the jobs of a busy endpoint so they do not all come back at once.
      await job.moveToDelayed(Date.now() + result.ms + Math.floor(Math.random() * result.ms), token);
    }
    throw new DelayedError();
  }
}
