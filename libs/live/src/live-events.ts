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
