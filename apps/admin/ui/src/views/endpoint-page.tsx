import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AttemptOut, EndpointOut } from '@herald/contract';
import { api } from '../api';
import { AttemptRow, Recover } from '../shared/components';
import { millis, percent } from '../shared/format';
import { LiveState } from '../shared/store';
import { StateBadge } from './overview';

/** Live events for this endpoint reload its attempt log, at most this often. */
const RELOAD_MS = 500;

/** One endpoint: its state and window stats, the actions an operator takes, and its attempt log. */
export function EndpointPage({ appId, endpointId, live }: { appId: string; endpointId: string; live: LiveState }) {
  const [endpoint, setEndpoint] = useState<EndpointOut>();
  const [attempts, setAttempts] = useState<AttemptOut[]>();
  const [notice, setNotice] = useState<{ text: string; error?: boolean }>();

  const load = useCallback(async () => {
    const [details, log] = await Promise.all([api.endpoint(appId, endpointId), api.attempts(appId, endpointId)]);
    setEndpoint(details);
    setAttempts(log.data);
  }, [appId, endpointId]);

  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      setNotice({ text: done });
      await load();
    } catch (failure) {
      setNotice({ text: (failure as Error).message, error: true });
    }
  };

  useEffect(() => {
    load().catch((failure) => setNotice({ text: (failure as Error).message, error: true }));
  }, [load]);

  // The newest live event for this endpoint: when it changes, the log has a new attempt to show.
  const latest = live.deliveries.find((delivery) => delivery.endpointId === endpointId)?.id;
  useEffect(() => {
    if (!latest) return;
    const timer = setTimeout(() => void load().catch(() => undefined), RELOAD_MS);
    return () => clearTimeout(timer);
  }, [latest, load]);

  if (!endpoint) return <section>{notice ? <p class="error">{notice.text}</p> : <p class="muted">Loading…</p>}</section>;

  const summary = live.endpoints[endpointId];
  const state = endpoint.disabled ? 'disabled' : summary && summary.state !== 'disabled' ? summary.state : 'healthy';
  const window = live.stats?.endpoints[endpointId];

  return (
    <section>
      <p class="muted">
        <a href="#/">Overview</a> / {appId} / endpoint
      </p>
      <div class="card">
        <h2 class="mono">{endpoint.id}</h2>
        <p class="url">{endpoint.url}</p>
        {endpoint.description && <p>{endpoint.description}</p>}
        <p>
          <StateBadge state={state} /> {endpoint.disabled && summary?.disabledReason && <span class="muted">{summary.disabledReason}</span>}
        </p>
        <p class="muted">
          Last {live.stats ? Math.round(live.stats.windowMs / 60_000) : '–'} min: {window?.attempts ?? 0} attempts, success{' '}
          {percent(window && window.attempts ? window.succeeded / window.attempts : null)}, p50 {millis(window?.p50)}, p95 {millis(window?.p95)}, p99{' '}
          {millis(window?.p99)}
        </p>
        <div class="actions">
          <button
            data-testid="toggle-disabled"
            onClick={() => act(() => api.setDisabled(appId, endpointId, !endpoint.disabled), endpoint.disabled ? 'Endpoint enabled' : 'Endpoint disabled')}
          >
            {endpoint.disabled ? 'Enable' : 'Disable'}
          </button>
          <button
            onClick={() => {
              if (confirm('Rotate the signing secret? The old one stays valid for 24 hours.'))
                void act(() => api.rotateSecret(appId, endpointId), 'Secret rotated');
            }}
          >
            Rotate secret
          </button>
          <Recover
            onRecover={(since) => act(() => api.recover(appId, endpointId, since), `Failed messages since ${new Date(since).toLocaleString()} sent again`)}
          />
          <a class="button quiet" href="/admin/queues" target="_blank" rel="noopener">
            Bull Board ↗
          </a>
        </div>
        {notice && (
          <p class={notice.error ? 'error' : 'notice'} role="status">
            {notice.text}
          </p>
        )}
      </div>
      <h2>Attempts</h2>
      <table class="attempts" data-testid="attempts">
        <thead>
          <tr>
            <th>Time</th>
            <th>Message</th>
            <th>Status</th>
            <th class="number">Code</th>
            <th class="number">Duration</th>
            <th>Trigger</th>
            <th />
          </tr>
        </thead>
        {attempts?.map((attempt) => (
          <AttemptRow
            key={attempt.id}
            attempt={attempt}
            onResend={() => act(() => api.resend(appId, attempt.msgId, endpointId), `Message ${attempt.msgId} queued again`)}
          />
        ))}
      </table>
      {attempts?.length === 0 && <p class="empty">No attempts yet.</p>}
    </section>
  );
}
