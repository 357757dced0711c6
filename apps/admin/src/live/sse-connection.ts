import type { ServerResponse } from 'node:http';

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
    this.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.response.end();
  }

  private write(frame: string): void {
    if (!this.isOpen) return;
    if (this.response.writableLength > this.maxBufferBytes) {
      this.onSlow();
      this.closed = true;
      this.response.destroy();
      return;
    }
    this.response.write(frame);
  }
}
