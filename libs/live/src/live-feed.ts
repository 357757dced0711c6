import { Inject, Injectable, Logger } from '@nestjs/common';
import { Batcher } from '@herald/batching';
import { HeraldConfig } from '@herald/config';
import { REDIS_CLIENT, redisKey, RedisClient } from '@herald/queue';
import { bucketOf, LATENCY_BUCKETS_MS, percentile } from './latency-histogram';
import type { AttemptOutcome, DeliveryEventData, EndpointEventData, LiveEvent, RecentStats, StatsSnapshot, WindowStats } from '@herald/contract';
import { Metrics } from './metrics';

const MINUTE = 60_000;
/** Most events one blocking read returns. */
export const LIVE_READ_COUNT = 1_000;
const OUTCOMES: AttemptOutcome[] = ['succeeded', 'failed', 'retrying', 'exhausted'];

export interface Counts {
  outcomes: Record<AttemptOutcome, number>;
  latency: number[];
}

export interface WindowCounts {
  windowMs: number;
  endpoints: Record<string, { appId: string; counts: Counts }>;
}

/** The stats of the endpoints `include` keeps, each and in total (percentiles of the merged histograms). */
export function statsFor(window: WindowCounts, include: (endpointId: string, appId: string) => boolean = () => true): StatsSnapshot {
  const endpoints: StatsSnapshot['endpoints'] = {};
  const total = emptyCounts();
  for (const [endpointId, { appId, counts }] of Object.entries(window.endpoints)) {
    if (!include(endpointId, appId)) continue;
    addCounts(total, counts);
    endpoints[endpointId] = { appId, ...summarise(counts) };
  }
  return { windowMs: window.windowMs, total: summarise(total), endpoints };
}

/** Attempts per outcome, per endpoint: cumulative (`LiveFeed.totals`) or the difference of two readings. */
export type OutcomeCounts = Record<string, { appId: string; outcomes: Record<AttemptOutcome, number> }>;

/** The per-endpoint difference between two readings of the totals (an endpoint missing before had zero). */
export function outcomesBetween(before: OutcomeCounts, after: OutcomeCounts): OutcomeCounts {
  const delta: OutcomeCounts = {};
  for (const [endpointId, { appId, outcomes }] of Object.entries(after)) {
    const earlier = before[endpointId]?.outcomes;
    const difference = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, outcomes[outcome] - (earlier?.[outcome] ?? 0)])) as Record<
      AttemptOutcome,
      number
    >;
    if (OUTCOMES.some((outcome) => difference[outcome] > 0)) delta[endpointId] = { appId, outcomes: difference };
  }
  return delta;
}

/** Sums an interval's per-endpoint counts over the endpoints `include` keeps. */
export function recentFor(intervalMs: number, counts: OutcomeCounts, include: (endpointId: string, appId: string) => boolean = () => true): RecentStats {
  const sum = { succeeded: 0, failed: 0, retrying: 0, exhausted: 0 };
  for (const [endpointId, { appId, outcomes }] of Object.entries(counts)) {
    if (include(endpointId, appId)) for (const outcome of OUTCOMES) sum[outcome] += outcomes[outcome];
  }
  const attempts = OUTCOMES.reduce((total, outcome) => total + sum[outcome], 0);
  return {
    intervalMs,
    attempts,
    ...sum,
    perSecond: intervalMs > 0 ? Math.round((attempts * 100_000) / intervalMs) / 100 : 0,
    successRate: attempts ? sum.succeeded / attempts : null,
  };
}

/** An endpoint's window stats, zeros when it had no attempt in the window. */
export function endpointStats(window: WindowCounts, endpointId: string): WindowStats {
  const entry = window.endpoints[endpointId];
  return summarise(entry?.counts ?? emptyCounts());
}

/**
 * The live side of deliveries, kept in Redis so every admin instance sees the same thing:
 * - a Redis stream of events, whose entry ids are the durable, ordered cursor SSE clients resume from,
 *   trimmed by age (HERALD_EVENT_RETENTION);
 * - per endpoint and minute, counts by outcome and a latency histogram, summed over the sliding
 *   window (HERALD_STATS_WINDOW) into the numbers `stats` events and the stats route show.
 */
@Injectable()
export class LiveFeed {
  private readonly logger = new Logger(LiveFeed.name);
  readonly streamKey: string;
  private readonly totalsKey: string;
  /** Attempts of concurrent deliveries go out in one pipeline, their counts summed per key. */
  private readonly attempts = new Batcher<DeliveryEventData, void>(async (events) => this.publishAttempts(events), { maxBatch: 1_000, concurrency: 1 });

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly config: HeraldConfig,
    private readonly metrics: Metrics,
  ) {
    this.streamKey = this.key('events');
    this.totalsKey = this.key('totals');
  }

  /** Publishes an attempt's outcome and counts it. Never throws: live data must not fail a delivery. */
  async attempt(data: DeliveryEventData): Promise<void> {
    this.metrics.deliveries.inc({ outcome: data.status });
    this.metrics.attemptDuration.observe({ outcome: data.status }, data.durationMs / 1_000);
    await this.attempts.submit(data);
  }

  /** Drops the running totals of deleted endpoints, so the totals hash holds only endpoints that exist. Never throws. */
  async forget(endpoints: { appId: string; endpointId: string }[]): Promise<void> {
    if (endpoints.length === 0) return;
    const fields = endpoints.flatMap(({ appId, endpointId }) => OUTCOMES.map((outcome) => `${appId}/${endpointId}/${outcome}`));
    try {
      await this.redis.hdel(this.totalsKey, ...fields);
    } catch (error) {
      this.logger.warn({ msg: 'live totals of deleted endpoints not dropped', endpoints: endpoints.length, error: (error as Error).message });
    }
  }

  async endpointChanged(data: EndpointEventData): Promise<void> {
    await this.publish(this.redis.pipeline(), [{ type: 'endpoint', data }]);
  }

  /** One round trip for a batch of attempts: each is an event in the stream; the counters get one increment per key. */
  private async publishAttempts(events: DeliveryEventData[]): Promise<void[]> {
    const ttlSeconds = Math.ceil(this.config.statsWindowMs / 1_000) + 120;
    const increments = new Map<string, Map<string, number>>();
    const add = (key: string, field: string) => {
      const fields = increments.get(key) ?? increments.set(key, new Map()).get(key)!;
      fields.set(field, (fields.get(field) ?? 0) + 1);
    };
    const active = new Map<string, Set<string>>();
    for (const data of events) {
      const minute = Math.floor(Date.parse(data.timestamp) / MINUTE);
      const bucketKey = this.statsKey(data.endpointId, minute);
      add(bucketKey, data.status);
      add(bucketKey, `lat${bucketOf(data.durationMs)}`);
      add(this.totalsKey, `${data.appId}/${data.endpointId}/${data.status}`);
      const indexKey = this.indexKey(minute);
      (active.get(indexKey) ?? active.set(indexKey, new Set()).get(indexKey)!).add(`${data.appId}/${data.endpointId}`);
    }
    const pipeline = this.redis.pipeline();
    for (const [key, fields] of increments) {
      for (const [field, count] of fields) pipeline.hincrby(key, field, count);
      if (key !== this.totalsKey) pipeline.expire(key, ttlSeconds);
    }
    for (const [indexKey, members] of active) pipeline.sadd(indexKey, ...members).expire(indexKey, ttlSeconds);
    await this.publish(
      pipeline,
      events.map((data) => ({ type: 'delivery' as const, data })),
    );
    return events.map(() => undefined);
  }

  /** Events after `afterId` (exclusive), oldest first, at most `count`. */
  async range(afterId: string, count: number): Promise<LiveEvent[]> {
    const entries = await this.redis.xrange(this.streamKey, `(${afterId}`, '+', 'COUNT', count);
    return entries.map(([id, fields]) => toEvent(id, fields));
  }

  /** Blocks up to `blockMs` for events after `afterId` (`$`: only new ones) on a connection of its own. */
  async read(connection: RedisClient, afterId: string, blockMs: number): Promise<LiveEvent[]> {
    const result = await connection.xread('COUNT', LIVE_READ_COUNT, 'BLOCK', blockMs, 'STREAMS', this.streamKey, afterId);
    return result ? result[0][1].map(([id, fields]) => toEvent(id, fields)) : [];
  }

  /** Raw counts over the sliding window, per endpoint (all active ones, or those given). Summarise with `statsFor`. */
  async window(onlyEndpoints?: ReadonlySet<string>): Promise<WindowCounts> {
    const now = Date.now();
    const minutes = Array.from({ length: Math.ceil(this.config.statsWindowMs / MINUTE) }, (_, i) => Math.floor(now / MINUTE) - i);
    const members = await this.redis.sunion(...minutes.map((minute) => this.indexKey(minute)));
    const wanted = members.map((member) => member.split('/') as [string, string]).filter(([, endpointId]) => !onlyEndpoints || onlyEndpoints.has(endpointId));
    const pipeline = this.redis.pipeline();
    for (const [, endpointId] of wanted) for (const minute of minutes) pipeline.hgetall(this.statsKey(endpointId, minute));
    const hashes = ((await pipeline.exec()) ?? []).map(([, value]) => (value ?? {}) as Record<string, string>);
    const endpoints: WindowCounts['endpoints'] = {};
    wanted.forEach(([appId, endpointId], i) => {
      const counts = emptyCounts();
      for (const hash of hashes.slice(i * minutes.length, (i + 1) * minutes.length)) addHash(counts, hash);
      endpoints[endpointId] = { appId, counts };
    });
    return { windowMs: this.config.statsWindowMs, endpoints };
  }

  /** Attempts per outcome and endpoint since the feed began; two readings give the rate in between. */
  async totals(): Promise<OutcomeCounts> {
    const totals: OutcomeCounts = {};
    for (const [field, count] of Object.entries(await this.redis.hgetall(this.totalsKey))) {
      const [appId, endpointId, outcome] = field.split('/') as [string, string, AttemptOutcome];
      totals[endpointId] ??= { appId, outcomes: { succeeded: 0, failed: 0, retrying: 0, exhausted: 0 } };
      totals[endpointId].outcomes[outcome] = Number(count);
    }
    return totals;
  }

  /** Appends the events to the stream (trimmed by age and by count once per batch) with whatever else is in the pipeline. */
  private async publish(pipeline: ReturnType<RedisClient['pipeline']>, events: Pick<LiveEvent, 'type' | 'data'>[]): Promise<void> {
    const oldest = String(Date.now() - this.config.eventRetentionMs);
    events.forEach(({ type, data }, i) => {
      const trim = i === events.length - 1 ? ['MINID', '~', oldest] : [];
      pipeline.xadd(this.streamKey, ...trim, '*', 'type', type, 'data', JSON.stringify(data));
    });
    pipeline.xtrim(this.streamKey, 'MAXLEN', '~', this.config.eventMax);
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      this.logger.warn({
        msg: 'live events not published',
        types: [...new Set(events.map(({ type }) => type))],
        count: events.length,
        error: (error as Error).message,
      });
    }
  }

  private statsKey(endpointId: string, minute: number): string {
    return this.key('stats', endpointId, minute);
  }

  private indexKey(minute: number): string {
    return this.key('active', minute);
  }

  /** Every live key shares one hash tag: a batch's events and counters go out in one pipeline, which a cluster takes only within one slot. */
  private key(...rest: (string | number)[]): string {
    return redisKey(this.config.queuePrefix, 'live', 'live', ...rest);
  }
}

const emptyCounts = (): Counts => ({ outcomes: { succeeded: 0, failed: 0, retrying: 0, exhausted: 0 }, latency: LATENCY_BUCKETS_MS.map(() => 0) });

function addHash(counts: Counts, hash: Record<string, string>): void {
  for (const outcome of OUTCOMES) counts.outcomes[outcome] += Number(hash[outcome] ?? 0);
  counts.latency.forEach((_, i) => (counts.latency[i] += Number(hash[`lat${i}`] ?? 0)));
}

function addCounts(into: Counts, from: Counts): void {
  for (const outcome of OUTCOMES) into.outcomes[outcome] += from.outcomes[outcome];
  from.latency.forEach((count, i) => (into.latency[i] += count));
}

function summarise({ outcomes, latency }: Counts): WindowStats {
  const attempts = OUTCOMES.reduce((sum, outcome) => sum + outcomes[outcome], 0);
  return { attempts, ...outcomes, p50: percentile(latency, 50), p95: percentile(latency, 95), p99: percentile(latency, 99) };
}

function toEvent(id: string, fields: string[]): LiveEvent {
  const record: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) record[fields[i]] = fields[i + 1];
  return { id, type: record.type, data: JSON.parse(record.data) } as LiveEvent;
}
