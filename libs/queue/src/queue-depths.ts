import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { QueueDepth } from '@herald/contract';
import { QueueName } from './queues';

/** How many jobs wait, are delayed, run and failed in each Herald queue. */
@Injectable()
export class QueueDepths {
  private readonly queues: Record<QueueName, Queue>;

  constructor(@InjectQueue(QueueName.Deliveries) deliveries: Queue, @InjectQueue(QueueName.FirstAttempts) firstAttempts: Queue) {
    this.queues = { [QueueName.Deliveries]: deliveries, [QueueName.FirstAttempts]: firstAttempts };
  }

  async read(): Promise<Record<QueueName, QueueDepth>> {
    const entries = await Promise.all(
      Object.entries(this.queues).map(async ([name, queue]) => {
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed');
        const depth: QueueDepth = { waiting: counts.waiting + counts.prioritized, delayed: counts.delayed, active: counts.active, failed: counts.failed };
        return [name, depth] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<QueueName, QueueDepth>;
  }
}
