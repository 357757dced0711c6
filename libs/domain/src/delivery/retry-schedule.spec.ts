import { delayBeforeAttempt, parseRetryAfter } from './retry-schedule';

describe('retry schedule', () => {
  const schedule = [0, 5_000, 300_000];

  it('gives the delay before each attempt, with ±20 % jitter', () => {
    expect(delayBeforeAttempt(schedule, 1)).toBe(0);
    expect(delayBeforeAttempt(schedule, 2, () => 0)).toBe(4_000);
    expect(delayBeforeAttempt(schedule, 2, () => 0.5)).toBe(5_000);
    expect(delayBeforeAttempt(schedule, 3, () => 1)).toBe(360_000);
  });

  it('stays within the jitter band for random draws', () => {
    for (let i = 0; i < 1_000; i++) {
      const delay = delayBeforeAttempt(schedule, 2)!;
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(6_000);
    }
  });

  it('has no attempt past the end of the schedule', () => {
    expect(delayBeforeAttempt(schedule, 4)).toBeUndefined();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
