import { Global, Module } from '@nestjs/common';
import { LiveFeed } from './live-feed';
import { Metrics } from './metrics';

/** Live events and window stats in Redis, and this process's Prometheus metrics. */
@Global()
@Module({ providers: [LiveFeed, Metrics], exports: [LiveFeed, Metrics] })
export class LiveModule {}
