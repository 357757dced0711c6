// Pieces both pages show: the live connection's indicator, an attempt with its response a click away, the
// recover form.
import { useState } from 'preact/hooks';
import type { AttemptOut } from '@herald/contract';
import { clock } from './format';
import type { ConnectionStatus } from './live';

const STATUS_TEXT: Record<ConnectionStatus, string> = { connecting: 'Connecting…', connected: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' };

export function Indicator({ status }: { status: ConnectionStatus }) {
  return (
    <span class={`indicator ${status}`} data-testid="connection" data-status={status} title="The live stream's connection">
      <span class="dot" /> {STATUS_TEXT[status]}
    </span>
  );
}

const TRIGGER = ['scheduled', 'manual'];

/** An attempt, with its response body and headers a click away. */
export function AttemptRow({ attempt, onResend, messageLink }: { attempt: AttemptOut; onResend?: () => void; messageLink?: (msgId: string) => string }) {
  const [open, setOpen] = useState(false);
  return (
    <tbody class="attempt" data-attempt-id={attempt.id} data-msg-id={attempt.msgId}>
      <tr>
        <td class="mono">
          <button class="link" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? '▾' : '▸'} {clock(attempt.timestamp)}
          </button>
        </td>
        <td class="mono">
          {/* The portal links a message to its page; the admin UI has none. */}
          {messageLink ? <a href={messageLink(attempt.msgId)}>{attempt.msgId}</a> : attempt.msgId}
        </td>
        <td>
          <span class={`badge ${attempt.statusText === 'success' ? 'succeeded' : 'failed'}`}>{attempt.statusText}</span>
        </td>
        <td class="number">{attempt.responseStatusCode || '–'}</td>
        <td class="number">{attempt.responseDurationMs} ms</td>
        <td>{TRIGGER[attempt.triggerType] ?? attempt.triggerType}</td>
        <td>
          {onResend && (
            <button class="small" data-testid="resend" onClick={onResend}>
              Resend
            </button>
          )}
        </td>
      </tr>
      {open && (
        <tr class="details">
          <td colSpan={7}>
            <h4>Response headers</h4>
            <pre>
              {attempt.responseHeaders
                ? Object.entries(attempt.responseHeaders)
                    .map(([name, value]) => `${name}: ${value}`)
                    .join('\n') || '(none)'
                : '(not recorded)'}
            </pre>
            <p class="muted">
              {attempt.url} · endpoint {attempt.endpointId} · attempt {attempt.id}
            </p>
            <h4>Response body</h4>
            <pre>{attempt.response || '(empty)'}</pre>
          </td>
        </tr>
      )}
    </tbody>
  );
}

export function Recover({ onRecover }: { onRecover: (since: string) => void }) {
  const [since, setSince] = useState(() => localInput(new Date(Date.now() - 3_600_000)));
  return (
    <form
      class="recover"
      onSubmit={(event) => {
        event.preventDefault();
        onRecover(new Date(since).toISOString());
      }}
    >
      <label class="inline">
        Recover failed since
        <input type="datetime-local" required value={since} onInput={(event) => setSince(event.currentTarget.value)} />
      </label>
      <button type="submit">Recover</button>
    </form>
  );
}

/** A datetime-local input's value (local time, minutes). */
function localInput(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
