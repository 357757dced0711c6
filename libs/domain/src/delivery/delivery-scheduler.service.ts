import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Delivery } from '@herald/persistence';
import { DeliveryJob, ensureJob, JOB_NAME, jobId, QueueName } from '@herald/queue';
import { timeSortableId } from '../ids';

/**
 * Puts a delivery's next attempt in the deliveries queue, delayed until its `nextAttemptAt`.
 * The job id is the delivery id and attempt number, so scheduling the same attempt twice is harmless:
 * fan-out, retries and recovery all go through here.
 */
@Injectable()
export class DeliveryScheduler {
  constructor(@InjectQueue(QueueName.Deliveries) private readonly queue: Queue<DeliveryJob>) {}

  /** Like `schedule`, for deliveries whose job Redis may have lost: re-adds or revives each one's job. Returns how many were missing. */
  async ensure(deliveries: readonly ScheduledDelivery[]): Promise<number> {
    const now = Date.now();
    const results = await Promise.all(
      deliveries.map((delivery) => {
        const { name, data, opts } = nextJob(delivery, now);
        return ensureJob(this.queue, name, data, opts);
      }),
    );
    return results.filter((result) => result !== 'present').length;
  }

  /** Queues a manual attempt of a delivery, to run now. */
  async resend(deliveryId: string): Promise<void> {
    await this.queue.add(JOB_NAME[QueueName.Deliveries], { deliveryId, attempt: 0 }, { jobId: jobId.resend(deliveryId, timeSortableId()) });
  }

  async schedule(deliveries: readonly ScheduledDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const now = Date.now();
    await this.queue.addBulk(deliveries.map((delivery) => nextJob(delivery, now)));
  }
}

type ScheduledDelivery = Pick<Delivery, 'id' | 'attemptCount' | 'nextAttemptAt'>;

/** The job of a delivery's next attempt: its id names the attempt, its delay runs to `nextAttemptAt`. */
function nextJob(delivery: ScheduledDelivery, now: number) {
  const attempt = delivery.attemptCount + 1;
  return {
    name: JOB_NAME[QueueName.Deliveries],
    data: { deliveryId: delivery.id, attempt },
    opts: { jobId: jobId.delivery(delivery.id, attempt), delay: Math.max(0, (delivery.nextAttemptAt?.getTime() ?? now) - now) },
  };
}
