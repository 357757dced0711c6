import type { LiveEvent } from '@herald/contract';
import { compareStreamIds } from '@herald/live';

/**
 * Merges the replay of what a client missed with the live events that arrive meanwhile: live events are held
 * back until the replay is written, then sent only if newer than the last event sent, so the client sees
 * every event in its scope once, in stream order, with no gap and no repeat.
 */
export class ReplayThenLive {
  private lastSent?: string;
  private held: LiveEvent[] | undefined = [];

  constructor(
    private readonly inScope: (event: LiveEvent) => boolean,
    private readonly write: (events: LiveEvent[]) => void,
    /** The Last-Event-ID the client resumes after, if any. */
    resumeAfter?: string,
  ) {
    this.lastSent = resumeAfter;
  }

  /** Events read from the stream for the replay, in order. */
  replayed(events: LiveEvent[]): void {
    this.send(events);
  }

  /** Events from the live feed, in order: held while the replay runs. */
  live(events: LiveEvent[]): void {
    if (this.held) this.held.push(...events);
    else this.send(events);
  }

  /** The replay is over (or failed): send what was held, and live events from now on. */
  goLive(): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.send(held);
  }

  private send(events: LiveEvent[]): void {
    // Batches come in stream order: when the first is new, all are (one comparison per batch, not per event).
    const overlaps = this.lastSent !== undefined && events.length > 0 && compareStreamIds(events[0].id, this.lastSent) <= 0;
    const fresh = events.filter((event) => this.inScope(event) && (!overlaps || compareStreamIds(event.id, this.lastSent!) > 0));
    if (fresh.length === 0) return;
    // The batch itself when all of it goes: every stream that takes a whole batch writes the same bytes (SseConnection).
    this.write(fresh.length === events.length ? events : fresh);
    this.lastSent = fresh[fresh.length - 1].id;
  }
}
