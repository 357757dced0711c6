import type { AttemptOutcome } from '@herald/contract';
import { DeliveryStatus } from '@herald/persistence';
import { delayBeforeAttempt, parseRetryAfter } from './retry-schedule';
import type { HttpOutcome } from './webhook-client.service';

/** Longest wait a Retry-After may impose. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** What an attempt's response means for its delivery: one of the attempt outcomes, with what goes with it. */
export type Conclusion =
  | { outcome: 'succeeded' }
  | { outcome: 'retrying'; nextAttemptAt: Date }
  | { outcome: 'exhausted' }
  /** Stopped for another reason than the schedule (410 Gone: the endpoint is disabled), or a manual attempt that failed. */
  | { outcome: 'failed'; disableEndpoint?: string };

export const succeeded = (response: HttpOutcome) => response.statusCode >= 200 && response.statusCode < 300;

/**
 * 2xx succeeds; 410 fails and disables the endpoint; anything else retries on the schedule (from the
 * delivery's `scheduleOffset`, which a recovery moves), 429 and 503 no sooner than their Retry-After, until
 * the schedule runs out.
 */
export function conclude(response: HttpOutcome, attempt: number, scheduleOffset: number, schedule: readonly number[], now = Date.now()): Conclusion {
  if (succeeded(response)) return { outcome: 'succeeded' };
  if (response.statusCode === 410) return { outcome: 'failed', disableEndpoint: 'The endpoint answered 410 Gone' };
  const scheduled = delayBeforeAttempt(schedule, attempt + 1 - scheduleOffset);
  if (scheduled === undefined) return { outcome: 'exhausted' };
  const retryAfter = response.statusCode === 429 || response.statusCode === 503 ? parseRetryAfter(response.retryAfter) : undefined;
  return { outcome: 'retrying', nextAttemptAt: new Date(now + Math.max(scheduled, Math.min(retryAfter ?? 0, MAX_RETRY_AFTER_MS))) };
}

/** The delivery row's state after an outcome. */
export const DELIVERY_STATUS: Record<AttemptOutcome, DeliveryStatus> = {
  succeeded: DeliveryStatus.Succeeded,
  retrying: DeliveryStatus.Pending,
  exhausted: DeliveryStatus.Failed,
  failed: DeliveryStatus.Failed,
};
