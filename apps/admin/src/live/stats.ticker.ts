import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { HeraldConfig } from '@herald/config';
import { LIVE_STATS, LiveFeed, WindowCounts } from '@herald/live';
import { QueueDepth, QueueDepths } from '@herald/queue';

/** What goes on the bus each tick: raw window counts (each stream summarises its own scope) and queue depths. */
export interface StatsTick {
  window: WindowCounts;
  queues: Record<string, QueueDepth>;
  timestamp: string;
}

/**
 * Every HERALD_STATS_INTERVAL, while any stream is open, reads the window stats and queue depths from
 * Redis once and puts them on the bus; each stream then sends the part in its scope.
 */
@Injectable()
export class StatsTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly feed: LiveFeed,
    private readonly depths: QueueDepths,
    private readonly bus: EventEmitter2,
    private readonly config: HeraldConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.statsIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async current(): Promise<StatsTick> {
    const [window, queues] = await Promise.all([this.feed.window(), this.depths.read()]);
    return { window, queues, timestamp: new Date().toISOString() };
  }

  private async tick(): Promise<void> {
    if (this.bus.listenerCount(LIVE_STATS) === 0) return;
    try {
      this.bus.emit(LIVE_STATS, await this.current());
    } catch {
      // Redis unavailable: this tick is skipped, the next one tries again.
    }
  }
}
