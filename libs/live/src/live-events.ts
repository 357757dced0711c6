/** What the delivery worker tells the admin side about each attempt (DESIGN §6). */
export type DeliveryOutcome = 'succeeded' | 'failed' | 'retrying' | 'exhausted';

export interface DeliveryEventData {
  appId: string;
  endpointId: string;
  msgId: string;
  eventType: string;
  /** The scheduled attempt's number; 0 for a manual resend. */
  attempt: number;
  status: DeliveryOutcome;
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
  state: 'healthy' | 'failing' | 'open' | 'disabled' | 'enabled';
  reason: string | null;
  timestamp: string;
}

export type LiveEvent = { id: string; type: 'delivery'; data: DeliveryEventData } | { id: string; type: 'endpoint'; data: EndpointEventData };

/** Event names on the in-process bus (@nestjs/event-emitter) that the stream reader feeds: LIVE_EVENTS carries each read's events, in stream order. */
export const LIVE_EVENTS = 'live.events';
export const LIVE_STATS = 'live.stats';

/** Stream ids are `<ms>-<seq>`; compares them in stream order. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

export function isStreamId(value: string): boolean {
  return /^\d{1,20}-\d{1,20}$/.test(value);
}
