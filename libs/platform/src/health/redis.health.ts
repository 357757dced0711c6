import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '@herald/queue';

const DOWN = new Set(['reconnecting', 'close', 'end']);

/**
 * Redis answers a PING on Herald's shared client. A client that lost its connection fails at once (its
 * status says why) instead of waiting in the offline queue for the timeout.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly indicators: HealthIndicatorService,
  ) {}

  pingCheck(key: string, timeoutMs: number) {
    return this.indicators
      .check(key)
      .attempt(async () => {
        // Lost (reconnecting after a drop, or closed): down now. Still connecting at boot: the PING waits for it.
        if (DOWN.has(this.redis.status)) throw new Error(`not connected (${this.redis.status})`);
        await this.redis.ping();
      })
      .withTimeout(timeoutMs);
  }
}
