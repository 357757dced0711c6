/**
 * The live stream's events (DESIGN §6), as the server sends them and the admin UI reads them. Types only:
 * the UI's bundle imports this file, and a change here that the UI does not follow breaks its build.
 */

/** What became of one attempt: the one name for it, from the delivery worker to the UI. */
export type AttemptOutcome = 'succeeded' | 'retrying' | 'exhausted' | 'failed';

/** An endpoint's health, moved by delivery outcomes; `open` is an open circuit. */
export type EndpointHealthState = 'healthy' | 'failing' | 'open';
/** What a stream shows of an endpoint. */
export type EndpointState = EndpointHealthState | 'disabled';

export interface DeliveryEventData {
  appId: string;
  endpointId: string;
  msgId: string;
  eventType: string;
  /** The scheduled attempt's number; 0 for a manual resend. */
  attempt: number;
  status: AttemptOutcome;
  /** 0 when no response came back. */
  responseStatusCode: number;
  durationMs: number;
  nextAttemptAt: string | null;
  timestamp: string;
}

/**
 * An endpoint's state changed: its health (healthy, failing, circuit open) from delivery outcomes, or
 * disabled (410 Gone, failing for HERALD_DISABLE_AFTER, an operator) and enabled again.
 */
export interface EndpointEventData {
  appId: string;
  endpointId: string;
  state: EndpointState | 'enabled';
  reason: string | null;
  timestamp: string;
}

/** The events that carry a stream id (`id:`), durable and resumable with Last-Event-ID. */
export type LiveEvent = { id: string; type: 'delivery'; data: DeliveryEventData } | { id: string; type: 'endpoint'; data: EndpointEventData };

export interface QueueDepth {
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
}

export interface EndpointSummary {
  id: string;
  appId: string;
  /** Credentials in the URL are replaced by `***`: streams reach browsers. */
  url: string;
  state: EndpointState;
  disabledReason: string | null;
}

/** `connected`: sent at once on every (re)connect. */
export interface ConnectedEventData {
  scope: { appId?: string; endpointId?: string };
  resumedAfter: string | null;
  endpoints: EndpointSummary[];
  queues: Record<string, QueueDepth>;
  timestamp: string;
}

export interface WindowStats {
  attempts: number;
  succeeded: number;
  failed: number;
  retrying: number;
  exhausted: number;
  /** Latency percentiles in ms (bucket upper bounds); null without attempts. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** What happened over a short interval (between two stats ticks): counts, attempts per second, success rate. */
export interface RecentStats {
  intervalMs: number;
  attempts: number;
  succeeded: number;
  failed: number;
  retrying: number;
  exhausted: number;
  perSecond: number;
  /** succeeded / attempts; null without attempts. */
  successRate: number | null;
}

export interface StatsSnapshot {
  windowMs: number;
  total: WindowStats;
  endpoints: Record<string, WindowStats & { appId: string }>;
}

/** `stats`: every HERALD_STATS_INTERVAL, over the last HERALD_STATS_WINDOW, for the stream's scope. */
export interface StatsEventData extends StatsSnapshot {
  /** Null on a stream's first tick. */
  recent: RecentStats | null;
  queues: Record<string, QueueDepth>;
  timestamp: string;
}
