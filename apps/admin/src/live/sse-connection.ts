import type { ServerResponse } from 'node:http';
import type { LiveEvent } from '@herald/contract';

/** Each live event's frame, serialised once however many streams send it. */
const frames = new WeakMap<LiveEvent, string>();
/** Each batch's frames as bytes, encoded once for all the streams that send the whole batch. */
const batches = new WeakMap<LiveEvent[], Buffer>();

/**
 * One open SSE response. Writes frames, and closes the stream when the client falls more than
 * `maxBufferBytes` behind, so a slow client never grows memory without bound (it reconnects with
 * Last-Event-ID and resumes from the durable cursor).
 */
export class SseConnection {
  private closed = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly maxBufferBytes: number,
    private readonly onSlow: () => void,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  get isOpen(): boolean {
    return !this.closed && !this.response.destroyed;
  }

  send(event: string, data: unknown, id?: string): void {
    this.write(frame(event, data, id));
  }

  /** Several live events in one write. */
  sendEvents(events: LiveEvent[]): void {
    if (events.length === 0) return;
    let bytes = batches.get(events);
    if (bytes === undefined) {
      let text = '';
      for (const event of events) {
        let cached = frames.get(event);
        if (cached === undefined) frames.set(event, (cached = frame(event.type, event.data, event.id)));
        text += cached;
      }
      batches.set(events, (bytes = Buffer.from(text)));
    }
    this.write(bytes);
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.response.end();
  }

  private write(text: string | Buffer): void {
    if (!this.isOpen) return;
    if (this.response.writableLength > this.maxBufferBytes) {
      this.onSlow();
      this.closed = true;
      this.response.destroy();
      return;
    }
    this.response.write(text);
  }
}

const frame = (event: string, data: unknown, id?: string) => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
