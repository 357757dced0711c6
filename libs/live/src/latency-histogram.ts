/** Upper bounds (ms) of the latency buckets kept per endpoint and minute; percentiles are read off them. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, Infinity];

export function bucketOf(durationMs: number): number {
  return LATENCY_BUCKETS_MS.findIndex((bound) => durationMs <= bound);
}

/** The bucket bound under which `p` of the samples fall (an upper estimate, as Prometheus's histograms give). */
export function percentile(counts: readonly number[], p: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank) return Number.isFinite(LATENCY_BUCKETS_MS[i]) ? LATENCY_BUCKETS_MS[i] : LATENCY_BUCKETS_MS[i - 1];
  }
  return null;
}
