import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { LiveFeed, OutcomeCounts, outcomesBetween } from '@herald/live';
import { QueueDepths } from '@herald/queue';
import { LiveBus, StatsTick } from './live-bus';

/**
 * Every HERALD_STATS_INTERVAL, while any stream is open, reads the window stats and queue depths from
 * Redis once and puts them on the bus; each stream then sends the part in its scope.
 */
@Injectable()
export class StatsTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private previous?: { at: number; totals: OutcomeCounts };

  constructor(
    private readonly feed: LiveFeed,
    private readonly depths: QueueDepths,
    private readonly bus: LiveBus,
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
    const [window, queues, totals] = await Promise.all([this.feed.window(), this.depths.read(), this.feed.totals()]);
    const now = Date.now();
    const previous = this.previous;
    this.previous = { at: now, totals };
    const recent = previous && { intervalMs: now - previous.at, endpoints: outcomesBetween(previous.totals, totals) };
    return { window, recent, queues, timestamp: new Date(now).toISOString() };
  }

  private async tick(): Promise<void> {
    if (this.bus.statsListeners === 0) {
      this.previous = undefined; // so the next `recent` is not an average over a span nobody watched
      return;
    }
    try {
      this.bus.publishStats(await this.current());
    } catch {
      // Redis unavailable: this tick is skipped, the next one tries again.
    }
  }
}
