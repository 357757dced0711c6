// What the page knows from the live stream: recent deliveries, each endpoint's state, the latest stats and
// a short history of rates for the charts. Events arrive in bursts of hundreds per second, so they are
// gathered and applied at most every FLUSH_MS rather than re-rendering once per event.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EndpointEventData, EndpointSummary, StatsEventData } from '@herald/contract';
import { ConnectionStatus, Delivery, LiveConnection } from './live';

export const FEED_LIMIT = 1_000;
const SERIES_LIMIT = 180;
const FLUSH_MS = 100;

export interface Series {
  time: number[];
  perSecond: number[];
  successRate: (number | null)[];
}

export interface LiveState {
  status: ConnectionStatus;
  deliveries: Delivery[];
  endpoints: Record<string, EndpointSummary>;
  stats: StatsEventData | null;
  series: Series;
}

const initial: LiveState = { status: 'connecting', deliveries: [], endpoints: {}, stats: null, series: { time: [], perSecond: [], successRate: [] } };

export function useLive(onSignedOut: () => void): LiveState {
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
    const connection = new LiveConnection({
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
      stats: (stats) => setState((previous) => ({ ...previous, stats, series: stats.recent ? extend(previous.series, stats) : previous.series })),
      signedOut: onSignedOut,
    });
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
