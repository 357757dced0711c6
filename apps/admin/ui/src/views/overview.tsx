import { useEffect, useState } from 'preact/hooks';
import type { ApplicationOut, EndpointOut, EndpointState } from '@herald/contract';
import { api } from '../api';
import { endpointLink } from '../links';
import { millis, percent } from '../shared/format';
import { LiveState } from '../shared/store';
import { Chart } from '../shared/chart';

interface AppWithEndpoints extends ApplicationOut {
  endpoints: EndpointOut[];
}

/** Applications and their endpoints with health, success rate and p95 over the stats window, and rate charts. */
export function Overview({ live }: { live: LiveState }) {
  const [apps, setApps] = useState<AppWithEndpoints[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    (async () => {
      const { data } = await api.applications();
      setApps(await Promise.all(data.map(async (app) => ({ ...app, endpoints: (await api.endpoints(app.id)).data }))));
    })().catch((failure) => setError((failure as Error).message));
  }, []);

  const { stats, series } = live;
  const windowMinutes = stats ? Math.round(stats.windowMs / 60_000) : undefined;

  return (
    <section>
      <div class="tiles">
        <Tile label="Deliveries/s" value={stats?.recent ? String(stats.recent.perSecond) : '–'} />
        <Tile label={`Success rate (${windowMinutes ?? '–'} min)`} value={stats ? percent(rate(stats.total)) : '–'} />
        <Tile label="p95 latency" value={millis(stats?.total.p95)} />
        <Tile
          label="Waiting in queues"
          value={stats ? String(Object.values(stats.queues).reduce((sum, queue) => sum + queue.waiting + queue.delayed, 0)) : '–'}
        />
      </div>
      <div class="charts">
        <Chart title="Deliveries per second" unit="" time={series.time} values={series.perSecond} />
        <Chart title="Success rate" unit="%" time={series.time} values={series.successRate} max={100} />
      </div>
      <h2>Applications</h2>
      {error && <p class="error">{error}</p>}
      {apps?.length === 0 && <p class="empty">No applications yet: create one with POST /api/v1/app.</p>}
      {apps?.map((app) => (
        <div class="card app" key={app.id} data-app-id={app.id}>
          <h3>
            {app.name} <span class="muted mono">{app.id}</span>
          </h3>
          <table>
            <thead>
              <tr>
                <th>Endpoint</th>
                <th>URL</th>
                <th>Health</th>
                <th class="number">Attempts</th>
                <th class="number">Success rate</th>
                <th class="number">p95</th>
              </tr>
            </thead>
            <tbody>
              {app.endpoints.map((endpoint) => {
                const window = stats?.endpoints[endpoint.id];
                return (
                  <tr key={endpoint.id} data-endpoint-id={endpoint.id}>
                    <td class="mono">
                      <a href={endpointLink(app.id, endpoint.id)}>{endpoint.id}</a>
                    </td>
                    <td class="url">{endpoint.url}</td>
                    <td>
                      <StateBadge state={live.endpoints[endpoint.id]?.state ?? (endpoint.disabled ? 'disabled' : 'healthy')} />
                    </td>
                    <td class="number" data-testid="attempts-in-window">
                      {window?.attempts ?? 0}
                    </td>
                    <td class="number">{percent(window && rate(window))}</td>
                    <td class="number">{millis(window?.p95)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {app.endpoints.length === 0 && <p class="empty">No endpoints.</p>}
        </div>
      ))}
    </section>
  );
}

export function StateBadge({ state }: { state: EndpointState }) {
  return (
    <span class={`badge state-${state}`} data-testid="endpoint-state">
      {state === 'open' ? 'circuit open' : state}
    </span>
  );
}

function Tile({ label, value }: { label: string; value: string }) {
  return (
    <div class="tile card" data-testid={`tile-${label.split(' ')[0].toLowerCase()}`}>
      <div class="muted">{label}</div>
      <div class="value">{value}</div>
    </div>
  );
}

const rate = (window: { attempts: number; succeeded: number }) => (window.attempts ? window.succeeded / window.attempts : null);
