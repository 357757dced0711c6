import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { HeraldConfig } from '@herald/config';
import { defineScript, REDIS_CLIENT, RedisClient } from '@herald/queue';

/**
 * Takes a slot if the credential holds fewer than the cap, atomically. Slots are leases (a sorted set
 * scored by expiry) renewed by each heartbeat, so the streams of an instance that died free themselves.
 * KEYS: the credential's slots. ARGV: slot, now ms, lease expiry ms, cap.
 */
const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
`;

/** One open stream's hold on its credential's quota. */
export interface StreamSlot {
  renew(): Promise<void>;
  release(): Promise<void>;
}

/** HERALD_SSE_MAX_PER_TOKEN counted across every admin instance, in Redis. */
@Injectable()
export class StreamSlots {
  private readonly leaseMs: number;
  private readonly takeSlot: ReturnType<typeof defineScript<number>>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly config: HeraldConfig,
  ) {
    this.leaseMs = 2 * config.sseHeartbeatMs + 5_000;
    this.takeSlot = defineScript<number>(redis, 'heraldStreamSlotTake', 1, TAKE);
  }

  /** A slot for one more stream of this credential, or undefined when it has HERALD_SSE_MAX_PER_TOKEN open. */
  async take(credential: string): Promise<StreamSlot | undefined> {
    const key = `${this.config.queuePrefix}:sse:${credential}`;
    const slot = randomBytes(9).toString('base64url');
    const now = Date.now();
    if (Number(await this.takeSlot([key], slot, now, now + this.leaseMs, this.config.sseMaxPerToken)) !== 1) return undefined;
    return {
      renew: async () => {
        const expiry = Date.now() + this.leaseMs;
        await this.redis.multi().zadd(key, 'XX', expiry, slot).pexpireat(key, expiry).exec();
      },
      release: async () => void (await this.redis.zrem(key, slot)),
    };
  }
}
