import { clock } from '../shared/format';
import type { LiveState } from '../shared/store';
import { messageLink } from './messages';

/** This application's deliveries as they happen, newest first (the stream resumes after a drop, as the admin UI's). */
export function LiveDeliveries({ live }: { live: LiveState }) {
  return (
    <section>
      <h1>Live deliveries</h1>
      <div class="scroll">
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
            </tr>
          </thead>
          <tbody>
            {live.deliveries.slice(0, 300).map((delivery) => (
              <tr key={delivery.id} data-msg-id={delivery.msgId}>
                <td class="mono">{clock(delivery.timestamp)}</td>
                <td class="mono">
                  <a href={messageLink(delivery.msgId)}>{delivery.msgId}</a>
                </td>
                <td>{delivery.eventType}</td>
                <td class="mono">
                  <a href={`#/endpoint/${encodeURIComponent(delivery.endpointId)}`}>{live.endpoints[delivery.endpointId]?.url ?? delivery.endpointId}</a>
                </td>
                <td>
                  <span class={`badge ${delivery.status}`}>{delivery.status}</span>
                </td>
                <td class="number">{delivery.responseStatusCode || '–'}</td>
                <td class="number">{delivery.durationMs} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {live.deliveries.length === 0 && <p class="empty">Waiting for deliveries…</p>}
    </section>
  );
}
