import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { HeraldConfig } from '@herald/config';
import type { Endpoint } from '@herald/persistence';
import { REDIS_CLIENT } from '@herald/queue';

/**
 * Takes a slot for one attempt to an endpoint, atomically: at most HERALD_ENDPOINT_CONCURRENCY attempts
 * in flight (a sorted set of holders, each expiring so a crashed worker cannot leak its slot), and at
 * most `throttleRate` attempts per second when the endpoint sets one. Returns 0 when taken, -1 when the
 * endpoint is full, else the ms until the rate window turns.
 * KEYS: slots, rate window. ARGV: holder, now ms, slot lifetime ms, cap, rate limit (0: none).
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
if tonumber(ARGV[5]) > 0 then
  local used = redis.call('INCR', KEYS[2])
  if used == 1 then redis.call('PEXPIRE', KEYS[2], 2000) end
  if used > tonumber(ARGV[5]) then return 1000 - (tonumber(ARGV[2]) % 1000) end
end
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
`;

/** How long an attempt waits in this process for one of the endpoint's slots to free before it is put back. */
const LOCAL_WAIT_MS = 200;
/** A full endpoint's attempt put back in the queue returns after this (plus jitter), so waiting jobs do not spin. */
const FULL_RETRY_MS = 250;

/**
 * One slow or failing endpoint can hold only its own slots, never the whole worker pool. When an endpoint
 * is full, an attempt first waits briefly for a slot this process releases (at most one waiter per slot):
 * a busy endpoint's next request starts the moment one ends, instead of after a trip through the delayed set.
 * A hanging endpoint frees nothing, so its waiters give up after LOCAL_WAIT_MS and hold no worker for long.
 */
@Injectable()
export class EndpointGate {
  private readonly slotLifetimeMs: number;
  /** Per endpoint, the attempts in this process waiting for a slot, woken one per release. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: HeraldConfig,
  ) {
    // A holder outlives the longest attempt (the timeout) with margin; release normally comes first.
    this.slotLifetimeMs = 2 * config.deliveryTimeoutMs + 5_000;
  }

  /**
   * Returns 0 when the slot is taken, else the ms to wait before trying again. `cap` narrows the in-flight
   * limit (a half-open circuit lets one probe through).
   */
  async acquire(endpoint: GatedEndpoint, holder: string, now = Date.now(), cap = this.config.endpointConcurrency): Promise<number> {
    const started = Date.now();
    const deadline = started + LOCAL_WAIT_MS;
    for (;;) {
      const wait = await this.tryAcquire(endpoint, holder, now + (Date.now() - started), cap);
      if (wait >= 0) return wait;
      if (!(await this.slotFreed(endpoint.id, cap, deadline - Date.now()))) return FULL_RETRY_MS;
    }
  }

  async release(endpointId: string, holder: string): Promise<void> {
    await this.redis.zrem(this.slotsKey(endpointId), holder);
    this.waiting.get(endpointId)?.shift()?.();
  }

  private async tryAcquire(endpoint: GatedEndpoint, holder: string, now: number, cap: number): Promise<number> {
    const keys = [this.slotsKey(endpoint.id), `${this.config.queuePrefix}:gate:rate:${endpoint.id}:${Math.floor(now / 1_000)}`];
    const args = [holder, now, this.slotLifetimeMs, cap, endpoint.throttleRate ?? 0];
    return Number(await this.redis.eval(ACQUIRE, 2, ...keys, ...args));
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
    return `${this.config.queuePrefix}:gate:slots:${endpointId}`;
  }
}

type GatedEndpoint = Pick<Endpoint, 'id' | 'throttleRate'>;
