import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { HeraldConfig } from '@herald/config';
import { FanoutService } from '@herald/domain';
import { FanoutJob, QueueName, QueueWorker } from '@herald/queue';

@Injectable()
export class FanoutProcessor extends QueueWorker<QueueName.Tasks> {
  constructor(
    config: HeraldConfig,
    private readonly fanout: FanoutService,
  ) {
    super(QueueName.Tasks, config);
  }

  protected process(job: Job<FanoutJob>): Promise<void> {
    return this.fanout.fanOut(job.data.messageId);
  }
}
