import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { HeraldConfig } from '@herald/config';
import type { Endpoint } from '@herald/persistence';
import { REDIS_CLIENT } from '@herald/queue';

/**
 * Takes a slot for one attempt to an endpoint, atomically: at most HERALD_ENDPOINT_CONCURRENCY attempts
 * in flight (a sorted set of holders, each expiring so a crashed worker cannot leak its slot), and at
 * most `rateLimit` attempts per second when the endpoint sets one. Returns 0 when taken, else the ms to
 * wait before trying again (a full endpoint: 250 ms, so hundreds of waiting jobs do not spin).
 * KEYS: slots, rate window. ARGV: holder, now ms, slot lifetime ms, cap, rate limit (0: none).
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 250 end
if tonumber(ARGV[5]) > 0 then
  local used = redis.call('INCR', KEYS[2])
  if used == 1 then redis.call('PEXPIRE', KEYS[2], 2000) end
  if used > tonumber(ARGV[5]) then return 1000 - (tonumber(ARGV[2]) % 1000) end
end
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
`;

/** One slow or failing endpoint can hold only its own slots, never the whole worker pool. */
@Injectable()
export class EndpointGate {
  private readonly slotLifetimeMs: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: HeraldConfig,
  ) {
    // A holder outlives the longest attempt (the timeout) with margin; release normally comes first.
    this.slotLifetimeMs = 2 * config.deliveryTimeoutMs + 5_000;
  }

  /** `cap` narrows the in-flight limit (a half-open circuit lets one probe through). */
  async acquire(endpoint: Pick<Endpoint, 'id' | 'rateLimit'> & Partial<Pick<Endpoint, 'throttleRate'>>, holder: string, now = Date.now(), cap = this.config.endpointConcurrency): Promise<number> {
    const keys = [this.slotsKey(endpoint.id), `${this.config.queuePrefix}:gate:rate:${endpoint.id}:${Math.floor(now / 1_000)}`];
    // throttleRate is Svix's newer name for rateLimit.
    const args = [holder, now, this.slotLifetimeMs, cap, endpoint.throttleRate ?? endpoint.rateLimit ?? 0];
    return Number(await this.redis.eval(ACQUIRE, 2, ...keys, ...args));
  }

  async release(endpointId: string, holder: string): Promise<void> {
    await this.redis.zrem(this.slotsKey(endpointId), holder);
  }

  private slotsKey(endpointId: string): string {
    return `${this.config.queuePrefix}:gate:slots:${endpointId}`;
  }
}
