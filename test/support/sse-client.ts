import { EventSource } from 'eventsource';

export interface ReceivedEvent<T = any> {
  type: string;
  id: string;
  data: T;
}

const TYPES = ['connected', 'delivery', 'endpoint', 'stats'];

/** A real SSE client (the `eventsource` package, as browsers behave), keeping every event it gets. */
export class SseClient {
  readonly events: ReceivedEvent[] = [];
  readonly source: EventSource;
  error?: { code?: number; message?: string };

  constructor(url: string, headers: Record<string, string> = {}) {
    this.source = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
    });
    for (const type of TYPES) {
      this.source.addEventListener(type, (event) => {
        const message = event as unknown as { data: string; lastEventId: string };
        this.events.push({ type, id: message.lastEventId, data: JSON.parse(message.data) });
      });
    }
    this.source.addEventListener('error', (event) => {
      const { code, message } = event as unknown as { code?: number; message?: string };
      this.error = { code, message };
    });
  }

  of<T = any>(type: string): ReceivedEvent<T>[] {
    return this.events.filter((event) => event.type === type);
  }

  close(): void {
    this.source.close();
  }
}
