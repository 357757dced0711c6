import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { LiveEvent, QueueDepth } from '@herald/contract';
import type { OutcomeCounts, WindowCounts } from '@herald/live';

/** What the stats ticker puts on the bus: raw window counts (each stream summarises its own scope) and queue depths. */
export interface StatsTick {
  window: WindowCounts;
  /** Attempts per endpoint since this process's previous tick (absent on its first): what rates are drawn from. */
  recent?: { intervalMs: number; endpoints: OutcomeCounts };
  queues: Record<string, QueueDepth>;
  timestamp: string;
}

const EVENTS = 'live.events';
const STATS = 'live.stats';

/**
 * The in-process bus (@nestjs/event-emitter) between the Redis stream reader and stats ticker of this admin
 * instance and its open streams, typed: each read's events in stream order, and each stats tick.
 */
@Injectable()
export class LiveBus {
  constructor(private readonly emitter: EventEmitter2) {}

  publishEvents(events: LiveEvent[]): void {
    this.emitter.emit(EVENTS, events);
  }

  publishStats(tick: StatsTick): void {
    this.emitter.emit(STATS, tick);
  }

  /** Listens until the returned function is called. */
  onEvents(listener: (events: LiveEvent[]) => void): () => void {
    this.emitter.on(EVENTS, listener);
    return () => this.emitter.off(EVENTS, listener);
  }

  onStats(listener: (tick: StatsTick) => void): () => void {
    this.emitter.on(STATS, listener);
    return () => this.emitter.off(STATS, listener);
  }

  get statsListeners(): number {
    return this.emitter.listenerCount(STATS);
  }
}
