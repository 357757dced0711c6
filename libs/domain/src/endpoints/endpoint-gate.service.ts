import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { HeraldConfig } from '@herald/config';
import type { Endpoint } from '@herald/persistence';
import { defineScript, DeliveryJob, QueueName, REDIS_CLIENT, redisKey, RedisClient } from '@herald/queue';

/**
 * Takes a slot for one attempt to an endpoint, atomically: at most HERALD_ENDPOINT_CONCURRENCY attempts
 * in flight (a sorted set of holders, each expiring so a crashed worker cannot leak its slot), and at
 * most `throttleRate` attempts per second when the endpoint sets one. A holder already listed (a parked
 * attempt a release handed its slot to) goes whatever the count. Returns 0 when taken, -1 when the endpoint is
 * full, else the ms until the rate window turns.
 * KEYS: slots, rate window. ARGV: holder, now ms, slot lifetime ms, cap, rate limit (0: none).
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local handed = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not handed and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
if tonumber(ARGV[5]) > 0 then
  local used = redis.call('INCR', KEYS[2])
  if used == 1 then redis.call('PEXPIRE', KEYS[2], 2000) end
  if used > tonumber(ARGV[5]) then return 1000 - (tonumber(ARGV[2]) % 1000) end
end
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
`;

/**
 * Parks an attempt's job (already delayed) in the endpoint's parked set. Every member scores 0, so the set
 * orders them by job id, which starts with the delivery id, which starts with its creation time: the oldest
 * message's attempt leaves first, retry or not. When parked for want of a slot (cap > 0) and slots are free
 * by now (they freed between the acquire and this), returns parked jobs to wake at once, so no wake-up is
 * lost. A slot handed to this attempt (it was woken, then found the circuit open) is given up.
 * KEYS: slots, parked. ARGV: job id, now ms, cap (0: the circuit is open), key lifetime ms.
 */
const PARK = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 'NX', 0, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if tonumber(ARGV[3]) == 0 then return {} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local free = tonumber(ARGV[3]) - redis.call('ZCARD', KEYS[1])
if free <= 0 then return {} end
return redis.call('ZPOPMIN', KEYS[2], free)
`;

/**
 * Hands a held slot to the first parked job (the oldest message's), listing the job as its holder, and returns
 * that job to wake; with nothing parked, frees the slot. Handed over, the slot cannot go to a newer attempt
 * that asks before the woken job runs (it used to, and the woken attempt parked again). Nothing when the
 * holder held no slot.
 * KEYS: slots, parked. ARGV: holder, now ms, slot lifetime ms.
 */
const RELEASE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return {} end
local next = redis.call('ZPOPMIN', KEYS[2])
if next[1] then redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), next[1]) end
return next
`;

/** How long an attempt waits in this process for one of the endpoint's slots to free before it is parked. */
const LOCAL_WAIT_MS = 200;
/** Returned by `acquire` when the endpoint is full: park the attempt. */
export const FULL = -1;
/** A parked job runs anyway after this (a lost wake-up costs at most this much): for want of a slot, and behind an open circuit. */
export const PARKED_FOR_SLOT_MS = 60_000;
export const PARKED_FOR_CIRCUIT_MS = 10 * 60_000;
/** Parked members a release looks at for one whose job is still parked. */
const STALE_TRIES = 5;
/** Most parked jobs woken per Redis call when an endpoint is disabled or deleted. */
const WAKE_BATCH = 500;

/**
 * Who may send to an endpoint now. One slow or failing endpoint can hold only its own slots, never the whole
 * worker pool. When an endpoint is full, an attempt first waits briefly for a slot this process releases (at
 * most one waiter per slot), then is parked: its job is delayed far ahead and listed in the endpoint's parked
 * set, and each released slot wakes the one of the oldest message. Behind an open circuit, one held attempt per cooldown comes
 * back as the probe and the rest are parked until the circuit closes. So a held backlog costs one park per
 * attempt, not a trip through the delayed set per attempt every cooldown.
 */
@Injectable()
export class EndpointGate {
  private readonly logger = new Logger(EndpointGate.name);
  private readonly slotLifetimeMs: number;
  /** Per endpoint, the attempts in this process waiting for a slot, woken one per release. */
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly scripts: {
    acquire: ReturnType<typeof defineScript<number>>;
    park: ReturnType<typeof defineScript<string[]>>;
    release: ReturnType<typeof defineScript<string[]>>;
  };

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @InjectQueue(QueueName.Deliveries) private readonly queue: Queue<DeliveryJob>,
    private readonly config: HeraldConfig,
  ) {
    // A holder outlives the longest attempt (the timeout) with margin; release normally comes first.
    this.slotLifetimeMs = 2 * config.deliveryTimeoutMs + 5_000;
    this.scripts = {
      acquire: defineScript<number>(redis, 'heraldGateAcquire', 2, ACQUIRE),
      park: defineScript<string[]>(redis, 'heraldGatePark', 2, PARK),
      release: defineScript<string[]>(redis, 'heraldGateRelease', 2, RELEASE),
    };
  }

  /**
   * Returns 0 when the slot is taken, FULL when the endpoint stays full, else the ms until its rate window
   * turns. `cap` narrows the in-flight limit (a half-open circuit lets one probe through).
   */
  async acquire(endpoint: GatedEndpoint, holder: string, now = Date.now(), cap = this.config.endpointConcurrency): Promise<number> {
    const started = Date.now();
    const deadline = started + LOCAL_WAIT_MS;
    for (;;) {
      const wait = await this.tryAcquire(endpoint, holder, now + (Date.now() - started), cap);
      if (wait >= 0) return wait;
      if (!(await this.slotFreed(endpoint.id, cap, deadline - Date.now()))) return FULL;
    }
  }

  /**
   * Hands the slot to the endpoint's first parked attempt and wakes it; with none parked, frees the slot for an
   * attempt waiting in this process. A member whose job ran meanwhile (its park ran out) wakes nothing, so the
   * slot passes on to the next one, a few at most. Also for an attempt that ends without sending (nothing
   * left to do), in case it was handed a slot; it holds none otherwise, and then nothing is freed.
   */
  async release(endpointId: string, holder: string): Promise<void> {
    const keys = [this.slotsKey(endpointId), this.parkedKey(endpointId)];
    let holding = holder;
    for (let tries = 0; tries < STALE_TRIES; tries++) {
      const popped = await this.scripts.release(keys, holding, Date.now(), this.slotLifetimeMs);
      if (popped.length === 0) return this.waiting.get(endpointId)?.shift()?.();
      if ((await this.wakeJobs(popped)) > 0) return;
      holding = popped[0];
    }
    await this.redis.zrem(keys[0], holding);
    this.waiting.get(endpointId)?.shift()?.();
  }

  /** Lists a delayed job as parked behind the endpoint: `cap` when it waits for a slot, 0 when for the circuit. */
  async park(endpointId: string, jobId: string, cap: number): Promise<void> {
    const lifetime = 2 * PARKED_FOR_CIRCUIT_MS;
    const popped = await this.scripts.park([this.slotsKey(endpointId), this.parkedKey(endpointId)], jobId, Date.now(), cap, lifetime);
    await this.wakeJobs(popped);
  }

  /** Wakes up to `count` of the endpoint's parked attempts, oldest first (the circuit closed); all of them when the endpoint is disabled or deleted. */
  async wake(endpointId: string, count = Infinity): Promise<void> {
    for (let left = count; left > 0; left -= WAKE_BATCH) {
      const popped = await this.redis.zpopmin(this.parkedKey(endpointId), Math.min(left, WAKE_BATCH));
      await this.wakeJobs(popped);
      if (popped.length < 2 * Math.min(left, WAKE_BATCH)) return;
    }
  }

  /** True for the one attempt per cooldown that comes back as the circuit's probe, when the cooldown ends in `ms`. */
  async claimProbe(endpointId: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.probeKey(endpointId), '1', 'PX', Math.max(1, ms), 'NX')) === 'OK';
  }

  /**
   * The circuit (re)opened for `ms`: the oldest parked attempt becomes the next probe, due when the cooldown
   * ends. Without a parked attempt, the next held one claims the probe itself.
   */
  async probeAfter(endpointId: string, ms: number): Promise<void> {
    if (!(await this.claimProbe(endpointId, ms))) return;
    const [jobId] = await this.redis.zpopmin(this.parkedKey(endpointId));
    const job = jobId ? await this.queue.getJob(jobId) : undefined;
    if (!job) {
      await this.redis.del(this.probeKey(endpointId));
      return;
    }
    await job.changeDelay(ms).catch((error: Error) => this.logger.debug({ msg: 'parked job not delayed', jobId, error: error.message }));
  }

  private async tryAcquire(endpoint: GatedEndpoint, holder: string, now: number, cap: number): Promise<number> {
    const keys = [this.slotsKey(endpoint.id), this.key(endpoint.id, 'rate', Math.floor(now / 1_000))];
    const args = [holder, now, this.slotLifetimeMs, cap, endpoint.throttleRate ?? 0];
    return Number(await this.scripts.acquire(keys, ...args));
  }

  /**
   * Moves parked jobs (ZPOPMIN's [id, score, …] pairs) from delayed to waiting; returns how many moved. One no
   * longer delayed (it ran after all, or Redis lost it) is skipped.
   */
  private async wakeJobs(popped: string[]): Promise<number> {
    let woken = 0;
    for (let i = 0; i < popped.length; i += 2) {
      const job = await this.queue.getJob(popped[i]);
      await job?.promote().then(
        () => woken++,
        (error: Error) => this.logger.debug({ msg: 'parked job not delayed', jobId: popped[i], error: error.message }),
      );
    }
    return woken;
  }

  /** Resolves true when this process releases one of the endpoint's slots within `ms`; false at once when enough attempts already wait. */
  private slotFreed(endpointId: string, cap: number, ms: number): Promise<boolean> {
    const queue = this.waiting.get(endpointId) ?? [];
    if (ms <= 0 || queue.length >= cap) return Promise.resolve(false);
    this.waiting.set(endpointId, queue);
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(wake), 1);
        resolve(false);
      }, ms);
      queue.push(wake);
    }).finally(() => {
      if (queue.length === 0 && this.waiting.get(endpointId) === queue) this.waiting.delete(endpointId);
    });
  }

  private slotsKey(endpointId: string): string {
    return this.key(endpointId, 'slots');
  }

  private parkedKey(endpointId: string): string {
    return this.key(endpointId, 'parked');
  }

  private probeKey(endpointId: string): string {
    return this.key(endpointId, 'probe');
  }

  /**
   * An endpoint's gate keys share its id as hash tag: each script touches one endpoint's keys only, so a
   * cluster keeps them in one slot and spreads endpoints over its nodes. The parked jobs they name live in
   * BullMQ's slot, and are promoted by separate calls.
   */
  private key(endpointId: string, ...rest: (string | number)[]): string {
    return redisKey(this.config.queuePrefix, 'gate', endpointId, ...rest);
  }
}

type GatedEndpoint = Pick<Endpoint, 'id' | 'throttleRate'>;
