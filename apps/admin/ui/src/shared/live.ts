// The live connection: one EventSource on a stream route (/api/v1/stream, or one application's), opened with
// a short-lived stream token. The
// browser reconnects by itself (sending Last-Event-ID); when it gives up (the server said no, say because
// the token expired) a new EventSource opens with a fresh token and ?lastEventId=, so the server replays
// what was missed. Events at or before the last id seen are dropped, so nothing shows twice.
import type { ConnectedEventData, DeliveryEventData, EndpointEventData, StatsEventData } from '@herald/contract';
import { ApiFailure } from './http';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** A delivery event with its stream id. */
export type Delivery = DeliveryEventData & { id: string };

export interface LiveHandlers {
  status(status: ConnectionStatus): void;
  connected(snapshot: ConnectedEventData): void;
  delivery(event: Delivery): void;
  endpoint(event: EndpointEventData): void;
  stats(stats: StatsEventData): void;
  signedOut(): void;
}

/** Where to stream from, and how to get a stream token (the page's own API call). */
export interface StreamSource {
  path: string;
  token(): Promise<{ token: string }>;
}

/** Attempts the browser may make on its own before the indicator says offline rather than reconnecting. */
const OFFLINE_AFTER_FAILURES = 3;
const MAX_BACKOFF_MS = 15_000;

export class LiveConnection {
  private source?: EventSource;
  private lastEventId?: string;
  private failures = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(
    private readonly on: LiveHandlers,
    private readonly stream: StreamSource,
  ) {}

  async open(): Promise<void> {
    this.on.status(this.lastEventId || this.failures ? this.failureStatus() : 'connecting');
    let token: string;
    try {
      token = (await this.stream.token()).token;
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 401) return this.on.signedOut();
      return this.retryLater();
    }
    if (this.closed) return;
    const query = new URLSearchParams({ token });
    if (this.lastEventId) query.set('lastEventId', this.lastEventId);
    const source = new EventSource(`${this.stream.path}?${query}`);
    this.source = source;
    source.addEventListener('connected', (message) => {
      this.failures = 0;
      this.on.status('connected');
      this.on.connected(JSON.parse(message.data));
    });
    source.addEventListener('delivery', (message) => this.ifNew<DeliveryEventData>(message, (data) => this.on.delivery({ id: message.lastEventId, ...data })));
    source.addEventListener('endpoint', (message) => this.ifNew<EndpointEventData>(message, (data) => this.on.endpoint(data)));
    source.addEventListener('stats', (message) => this.on.stats(JSON.parse(message.data)));
    source.onerror = () => {
      this.failures++;
      if (source.readyState === EventSource.CLOSED) {
        this.retryLater();
      } else {
        this.on.status(this.failureStatus());
      }
    };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.source?.close();
  }

  private ifNew<T>(message: MessageEvent, handle: (data: T) => void): void {
    const id = message.lastEventId;
    if (this.lastEventId && compareIds(id, this.lastEventId) <= 0) return;
    this.lastEventId = id;
    handle(JSON.parse(message.data));
  }

  private retryLater(): void {
    this.source?.close();
    this.failures++;
    this.on.status(this.failureStatus());
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures, 6));
    clearTimeout(this.retryTimer);
    if (!this.closed) this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  private failureStatus(): ConnectionStatus {
    return this.failures >= OFFLINE_AFTER_FAILURES ? 'offline' : 'reconnecting';
  }
}

/** Stream ids are `<ms>-<seq>`. */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
