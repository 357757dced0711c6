import type { JobsOptions, WorkerOptions } from 'bullmq';
import type { HeraldConfig } from '@herald/config';

/**
 * The whole queue contract: every queue, its job name and data, and how it is produced and consumed.
 * No queue name is written anywhere else.
 */
export enum QueueName {
  /** One job per scheduled attempt: retries, and first attempts that had to wait (a full endpoint, an open circuit). */
  Deliveries = 'deliveries',
  /**
   * One job per ingest batch: the first attempts of its deliveries, for a delivery process to make when
   * ingest runs in another process. (In the all-in-one process they are handed over in memory.)
   */
  FirstAttempts = 'first-attempts',
}

/** Jobs carry row ids only (claim check): payloads and secrets stay in the database. */
export interface DeliveryJob {
  deliveryId: string;
  /** 1-based number of the scheduled attempt this job performs; 0 for a manual resend. */
  attempt: number;
}

export interface FirstAttemptsJob {
  deliveryIds: string[];
  /** When the deliveries' lease began (epoch ms): past it, the reconciler may take them instead. */
  leasedAt: number;
}

export interface JobDataOf {
  [QueueName.Deliveries]: DeliveryJob;
  [QueueName.FirstAttempts]: FirstAttemptsJob;
}

export const JOB_NAME: Record<QueueName, string> = {
  [QueueName.Deliveries]: 'deliver',
  [QueueName.FirstAttempts]: 'first-attempts',
};

/** Job ids derive from row ids, so enqueuing the same work twice is a no-op while the job exists. */
export const jobId = {
  delivery: (deliveryId: string, attempt: number) => `${deliveryId}-${attempt}`,
  /** A batch is named by its first delivery. */
  firstAttempts: (deliveryIds: string[]) => `${deliveryIds[0]}-first`,
  /** Every resend is a new job. */
  resend: (deliveryId: string, requestId: string) => `${deliveryId}-resend-${requestId}`,
};

/**
 * Retention is bounded. `attempts` covers infrastructure failures only (database or Redis down
 * mid-job); an HTTP failure is a recorded attempt, scheduled as a new job, not a BullMQ retry.
 */
const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
};

export const QUEUE_JOB_OPTIONS: Record<QueueName, JobsOptions> = {
  [QueueName.Deliveries]: DEFAULT_JOB_OPTIONS,
  [QueueName.FirstAttempts]: DEFAULT_JOB_OPTIONS,
};

/**
 * Worker settings per queue, in one table. A delivery's lock outlives two HTTP timeouts, so an attempt in
 * flight is never handed to a second worker; a crashed worker's jobs come back once the lock lapses and
 * the stalled check (every lock duration) sees it.
 */
export function workerSettings(queue: QueueName, config: HeraldConfig): Pick<WorkerOptions, 'concurrency' | 'lockDuration' | 'stalledInterval'> {
  switch (queue) {
    case QueueName.Deliveries: {
      const lockDuration = 2 * config.deliveryTimeoutMs + 5_000;
      return { concurrency: config.deliveryConcurrency, lockDuration, stalledInterval: Math.min(30_000, lockDuration) };
    }
    // A batch job hands its deliveries to the process's dispatcher once it has room (which bounds the attempts
    // in flight and those waiting), and runs until they are made: as many as attempts in flight, so that even
    // batches of one keep the dispatcher busy.
    case QueueName.FirstAttempts: {
      const lockDuration = 2 * config.deliveryTimeoutMs + 5_000;
      return { concurrency: config.deliveryConcurrency, lockDuration, stalledInterval: Math.min(30_000, lockDuration) };
    }
  }
}
