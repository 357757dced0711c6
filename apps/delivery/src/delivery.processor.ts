import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
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

  protected process(job: Job<DeliveryJob>): Promise<void> {
    const { deliveryId, attempt } = job.data;
    return attempt === 0 ? this.deliveries.resend(deliveryId) : this.deliveries.attempt(deliveryId, attempt);
  }
}
