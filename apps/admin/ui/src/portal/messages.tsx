import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AttemptOut, MessageOut, PortalSessionOut } from '@herald/contract';
import { AttemptRow } from '../shared/components';
import { clock } from '../shared/format';
import type { PortalApi } from './api';

export const messageLink = (msgId: string) => `#/message/${encodeURIComponent(msgId)}`;

/** The message log, newest first. */
export function MessageList({ api }: { api: PortalApi }) {
  const [messages, setMessages] = useState<MessageOut[]>();
  const [error, setError] = useState<string>();
  useEffect(
    () =>
      void api.messages().then(
        ({ data }) => setMessages(data),
        (failure: Error) => setError(failure.message),
      ),
    [api],
  );
  return (
    <section>
      <h1>Messages</h1>
      {error && <p class="error">{error}</p>}
      <div class="scroll">
        <table data-testid="messages">
          <thead>
            <tr>
              <th>Time</th>
              <th>Message</th>
              <th>Event type</th>
              <th>Payload</th>
            </tr>
          </thead>
          <tbody>
            {messages?.map((message) => (
              <tr key={message.id} data-msg-id={message.id}>
                <td class="mono">{clock(message.timestamp)}</td>
                <td class="mono">
                  <a href={messageLink(message.id)}>{message.id}</a>
                </td>
                <td>{message.eventType}</td>
                <td class="mono payload">{JSON.stringify(message.payload).slice(0, 120)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {messages?.length === 0 && <p class="empty">No messages yet.</p>}
    </section>
  );
}

/** One message: its payload, and every attempt to every endpoint, with status, response and timing. */
export function MessageView({ api, session, msgId }: { api: PortalApi; session: PortalSessionOut; msgId: string }) {
  const [message, setMessage] = useState<MessageOut>();
  const [attempts, setAttempts] = useState<AttemptOut[]>();
  const [notice, setNotice] = useState<{ text: string; error?: boolean }>();
  const load = useCallback(async () => {
    const [details, log] = await Promise.all([api.message(msgId), api.messageAttempts(msgId)]);
    setMessage(details);
    setAttempts(log.data);
  }, [api, msgId]);
  useEffect(() => void load().catch((failure: Error) => setNotice({ text: failure.message, error: true })), [load]);
  const mayResend = !session.readOnly && (!session.capabilities || session.capabilities.includes('CreateAttempts'));

  if (!message) return <section>{notice ? <p class="error">{notice.text}</p> : <p class="muted">Loading…</p>}</section>;
  return (
    <section>
      <p class="muted">
        <a href="#/messages">Messages</a> / {message.id}
      </p>
      <div class="card">
        <h1>{message.eventType}</h1>
        <p class="muted">
          {new Date(message.timestamp).toLocaleString()}
          {message.eventId && ` · event id ${message.eventId}`}
          {message.channels?.length ? ` · channels ${message.channels.join(', ')}` : ''}
        </p>
        <h2>Payload</h2>
        <pre data-testid="payload">{JSON.stringify(message.payload, null, 2)}</pre>
        {notice && (
          <p class={notice.error ? 'error' : 'notice'} role="status">
            {notice.text}
          </p>
        )}
      </div>
      <h2>Attempts</h2>
      <div class="scroll">
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
              messageLink={messageLink}
              onResend={
                mayResend
                  ? async () => {
                      try {
                        await api.resend(attempt.msgId, attempt.endpointId);
                        setNotice({ text: `Sent again to ${attempt.url}` });
                        setTimeout(() => void load().catch(() => undefined), 500);
                      } catch (failure) {
                        setNotice({ text: (failure as Error).message, error: true });
                      }
                    }
                  : undefined
              }
            />
          ))}
        </table>
      </div>
      {attempts?.length === 0 && <p class="empty">No attempts yet.</p>}
    </section>
  );
}
