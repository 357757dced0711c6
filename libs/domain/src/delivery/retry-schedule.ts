const JITTER = 0.2;

/**
 * Delay before attempt `attempt` (1-based) under `schedule`, with ±20 % jitter so that retries of a burst
 * spread out. Undefined when the schedule has no such attempt (the delivery is exhausted).
 */
export function delayBeforeAttempt(schedule: readonly number[], attempt: number, random = Math.random): number | undefined {
  const base = schedule[attempt - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** `Retry-After` as milliseconds: delta seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
