import { useMemo, useState } from 'preact/hooks';
import { endpointLink } from '../links';
import { clock } from '../shared/format';
import type { AttemptOutcome } from '@herald/contract';
import { FEED_LIMIT, LiveState } from '../shared/store';

/** Rows drawn at once; the feed keeps FEED_LIMIT, filters pick from those. */
const ROWS_SHOWN = 300;
const OUTCOMES: AttemptOutcome[] = ['succeeded', 'failed', 'retrying', 'exhausted'];

/** Every attempt as it happens, newest first. */
export function LiveFeed({ live }: { live: LiveState }) {
  const [appId, setAppId] = useState('');
  const [endpointId, setEndpointId] = useState('');
  const [status, setStatus] = useState('');

  const apps = useMemo(
    () => distinct([...Object.values(live.endpoints).map((endpoint) => endpoint.appId), ...live.deliveries.map((delivery) => delivery.appId)]),
    [live.endpoints, live.deliveries],
  );
  const endpoints = useMemo(
    () =>
      distinct([
        ...Object.values(live.endpoints)
          .filter((endpoint) => !appId || endpoint.appId === appId)
          .map((endpoint) => endpoint.id),
        ...live.deliveries.filter((delivery) => !appId || delivery.appId === appId).map((delivery) => delivery.endpointId),
      ]),
    [live.endpoints, live.deliveries, appId],
  );
  const rows = live.deliveries.filter(
    (delivery) => (!appId || delivery.appId === appId) && (!endpointId || delivery.endpointId === endpointId) && (!status || delivery.status === status),
  );

  return (
    <section>
      <div class="toolbar">
        <h2>Live feed</h2>
        <Select label="Application" value={appId} options={apps} onChange={(value) => (setAppId(value), setEndpointId(''))} />
        <Select label="Endpoint" value={endpointId} options={endpoints} onChange={setEndpointId} />
        <Select label="Status" value={status} options={OUTCOMES} onChange={setStatus} />
        <span class="muted">
          {rows.length} of the last {Math.min(live.deliveries.length, FEED_LIMIT)} attempts
        </span>
      </div>
      <table class="feed" data-testid="live-feed">
        <thead>
          <tr>
            <th>Time</th>
            <th>Message</th>
            <th>Event type</th>
            <th>Endpoint</th>
            <th>Status</th>
            <th class="number">Code</th>
            <th class="number">Duration</th>
            <th class="number">Attempt</th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, ROWS_SHOWN).map((delivery) => (
            <tr key={delivery.id} data-msg-id={delivery.msgId}>
              <td class="mono">{clock(delivery.timestamp)}</td>
              <td class="mono">{delivery.msgId}</td>
              <td>{delivery.eventType}</td>
              <td class="mono">
                <a href={endpointLink(delivery.appId, delivery.endpointId)} title={live.endpoints[delivery.endpointId]?.url}>
                  {delivery.endpointId}
                </a>
              </td>
              <td>
                <span class={`badge ${delivery.status}`}>{delivery.status}</span>
              </td>
              <td class="number">{delivery.responseStatusCode || '–'}</td>
              <td class="number">{delivery.durationMs} ms</td>
              <td class="number">{delivery.attempt === 0 ? 'resend' : delivery.attempt}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">Waiting for deliveries…</p>}
    </section>
  );
}

function Select({ label, value, options, onChange }: { label: string; value: string; options: string[]; onChange: (value: string) => void }) {
  return (
    <label class="inline">
      {label}
      <select value={value} onChange={(event) => onChange(event.currentTarget.value)}>
        <option value="">all</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}

const distinct = (values: string[]) => [...new Set(values)].sort();
