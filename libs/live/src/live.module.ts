import { Global, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { HeraldConfig } from '@herald/config';
import { redisOptions } from '@herald/queue';
import { LIVE_REDIS, LiveFeed } from './live-feed';
import { Metrics } from './metrics';

/** Live events and stats in Redis (see LiveFeed). Commands may wait for the connection at boot, but give up after one retry. */
@Global()
@Module({
  providers: [{ provide: LIVE_REDIS, inject: [HeraldConfig], useFactory: (config: HeraldConfig) => new Redis({ ...redisOptions(config.redisUrl, 'producer'), enableOfflineQueue: true }) }, LiveFeed, Metrics],
  exports: [LiveFeed, Metrics],
})
export class LiveModule {}
