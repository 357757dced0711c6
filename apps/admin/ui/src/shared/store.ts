// What the page knows from the live stream: recent deliveries, each endpoint's state, the latest stats and
// a short history of rates for the charts, in total and per endpoint. Events arrive in bursts of hundreds per second, so they are
// gathered and applied at most every FLUSH_MS rather than re-rendering once per event.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EndpointEventData, EndpointSummary, StatsEventData } from '@herald/contract';
import { ConnectionStatus, Delivery, LiveConnection, StreamSource } from './live';

export const FEED_LIMIT = 1_000;
const SERIES_LIMIT = 180;
const FLUSH_MS = 100;

export interface Series {
  time: number[];
  perSecond: number[];
  successRate: (number | null)[];
}

/** One endpoint's success rate (%) and p95 latency (ms) over the stats window, tick by tick. */
export interface EndpointSeries {
  time: number[];
  successRate: (number | null)[];
  p95: (number | null)[];
}

export interface LiveState {
  status: ConnectionStatus;
  deliveries: Delivery[];
  endpoints: Record<string, EndpointSummary>;
  stats: StatsEventData | null;
  series: Series;
  endpointSeries: Record<string, EndpointSeries>;
}

const initial: LiveState = {
  status: 'connecting',
  deliveries: [],
  endpoints: {},
  stats: null,
  series: { time: [], perSecond: [], successRate: [] },
  endpointSeries: {},
};

export function useLive(onSignedOut: () => void, stream: StreamSource): LiveState {
  const [state, setState] = useState<LiveState>(initial);
  const pending = useRef<{ deliveries: Delivery[]; changes: EndpointEventData[] }>({ deliveries: [], changes: [] });
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const flush = () => {
      timer.current = undefined;
      const { deliveries, changes } = pending.current;
      pending.current = { deliveries: [], changes: [] };
      setState((previous) => ({
        ...previous,
        deliveries: deliveries.length ? [...deliveries.reverse(), ...previous.deliveries].slice(0, FEED_LIMIT) : previous.deliveries,
        endpoints: changes.length ? applyChanges(previous.endpoints, changes) : previous.endpoints,
      }));
    };
    const schedule = () => {
      timer.current ??= setTimeout(flush, FLUSH_MS);
    };
    const connection = new LiveConnection(
      {
        status: (status) => setState((previous) => (previous.status === status ? previous : { ...previous, status })),
        connected: (snapshot) =>
          setState((previous) => ({ ...previous, endpoints: Object.fromEntries(snapshot.endpoints.map((endpoint) => [endpoint.id, endpoint])) })),
        delivery: (event) => {
          pending.current.deliveries.push(event);
          schedule();
        },
        endpoint: (event) => {
          pending.current.changes.push(event);
          schedule();
        },
        stats: (stats) =>
          setState((previous) => ({
            ...previous,
            stats,
            series: stats.recent ? extend(previous.series, stats) : previous.series,
            endpointSeries: extendEndpoints(previous.endpointSeries, stats),
          })),
        signedOut: onSignedOut,
      },
      stream,
    );
    void connection.open();
    return () => {
      connection.close();
      clearTimeout(timer.current);
    };
  }, []);

  return state;
}

/** 'enabled' means back to normal: healthy until deliveries say otherwise. */
function applyChanges(endpoints: Record<string, EndpointSummary>, changes: EndpointEventData[]): Record<string, EndpointSummary> {
  const next = { ...endpoints };
  for (const change of changes) {
    const known = next[change.endpointId];
    next[change.endpointId] = {
      id: change.endpointId,
      appId: change.appId,
      url: known?.url ?? '',
      state: change.state === 'enabled' ? 'healthy' : change.state,
      disabledReason: change.state === 'disabled' ? change.reason : null,
    };
  }
  return next;
}

function extend(series: Series, stats: StatsEventData): Series {
  const keep = <T>(values: T[], value: T) => [...values, value].slice(-SERIES_LIMIT);
  return {
    time: keep(series.time, Date.parse(stats.timestamp) / 1_000),
    perSecond: keep(series.perSecond, stats.recent!.perSecond),
    successRate: keep(series.successRate, stats.recent!.successRate === null ? null : Math.round(stats.recent!.successRate * 1_000) / 10),
  };
}

function extendEndpoints(all: Record<string, EndpointSeries>, stats: StatsEventData): Record<string, EndpointSeries> {
  const keep = <T>(values: T[], value: T) => [...values, value].slice(-SERIES_LIMIT);
  const time = Date.parse(stats.timestamp) / 1_000;
  const next: Record<string, EndpointSeries> = {};
  for (const [id, window] of Object.entries(stats.endpoints)) {
    const series = all[id] ?? { time: [], successRate: [], p95: [] };
    next[id] = {
      time: keep(series.time, time),
      successRate: keep(series.successRate, window.attempts ? Math.round((window.succeeded / window.attempts) * 1_000) / 10 : null),
      p95: keep(series.p95, window.p95),
    };
  }
  return next;
}
