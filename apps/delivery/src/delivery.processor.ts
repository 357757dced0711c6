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
    return this.deliveries.attempt(job.data.deliveryId, job.data.attempt);
  }
}
