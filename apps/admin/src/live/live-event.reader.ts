import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import type { LiveEvent } from '@herald/contract';
import { LIVE_READ_COUNT, LiveFeed } from '@herald/live';
import { createRedis, RedisClient } from '@herald/queue';
import { LiveBus } from './live-bus';

/** The pause after a read: added latency of the live view, at most. */
const GATHER_MS = 50;

/**
 * Follows the Redis event stream on a blocking connection of its own and re-emits every event on the
 * in-process bus, where the SSE streams of this admin instance pick them up. Every instance reads the
 * whole stream, so all of them show the same events.
 */
@Injectable()
export class LiveEventReader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LiveEventReader.name);
  private connection?: RedisClient;
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly feed: LiveFeed,
    private readonly bus: LiveBus,
    private readonly config: HeraldConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = createRedis(this.config.redisUrl, 'worker');
    this.connection.on('error', () => undefined); // reconnects by itself; read() reports failures below
    this.running = true;
    this.loop = this.follow();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.connection?.disconnect();
    await this.loop;
  }

  private async follow(): Promise<void> {
    let cursor = '$';
    while (this.running) {
      try {
        const events: LiveEvent[] = await this.feed.read(this.connection!, cursor, 2_000);
        if (events.length === 0) continue;
        cursor = events[events.length - 1].id;
        this.bus.publishEvents(events);
        // Under load, gather a few ms of events per read: each read costs one write per open stream,
        // so a thousand streams get tens of writes a second instead of thousands.
        if (events.length < LIVE_READ_COUNT) await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      } catch (error) {
        if (!this.running) break;
        this.logger.warn({ msg: 'live stream read failed; retrying', error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }
}
