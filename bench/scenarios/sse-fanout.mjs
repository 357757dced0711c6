// SSE fan-out: many clients on Herald's live stream while messages flow at a fixed rate. For every
// `delivery` event each client gets, lag = its arrival at the client − the webhook's arrival at the
// receiver. The clients live in child processes (bench/lib/sse-clients.mjs), several of them so that
// parsing a thousand streams does not bottleneck on one core; they still share the machine with Herald.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { onCleanup, trackChild } from '../lib/cleanup.mjs';
import { sender } from '../lib/load.mjs';
import { percentiles, REPO, sleep } from '../lib/util.mjs';
import { runFixedRate } from './throughput.mjs';

/** Herald must allow this many streams on one token (the bench opens them all with the API token). */
export const sseHeraldEnv = (clients) => ({ HERALD_SSE_MAX_PER_TOKEN: String(clients + 10) });

export async function runSseFanout({ herald, receiver, tag, clients, processes, rate, seconds, warmupSeconds, deadlineFor }) {
  const app = await herald.api('POST', '/app', { name: 'sse' });
  const path = `/${tag}/sse`;
  const endpoint = await herald.api('POST', `/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
  receiver.expectSecret(path, (await herald.api('GET', `/app/${app.id}/endpoint/${endpoint.id}/secret`)).key);

  const children = Array.from({ length: processes }, () => forkClients());
  const stopChildren = onCleanup(() => Promise.all(children.map(closeClients)));
  const send = sender(herald.url, `/api/v1/app/${app.id}/msg`, herald.authHeaders);
  try {
    // Unmeasured warm-up before any stream is open, so the lags are not a cold process's; then a pause
    // so its last live events are out before the clients connect.
    await runFixedRate({ receiver, send, paths: [path], rate, seconds: warmupSeconds, deadline: deadlineFor() });
    await sleep(500);
    // Open every stream before any measured message goes out.
    const share = (i) => Math.floor(clients / processes) + (i < clients % processes ? 1 : 0);
    const capacity = Math.ceil(rate * seconds * 1.2) + 100;
    const opened = await Promise.all(
      children.map((child, i) =>
        ask(child, { type: 'open', url: `${herald.url}/api/v1/stream`, token: herald.token, clients: share(i), capacity }, 'opened', 120_000),
      ),
    );
    const connected = sum(opened, 'connected');
    const openErrors = opened.flatMap((reply) => reply.errors);

    const deliveries = await runFixedRate({ receiver, send, paths: [path], rate, seconds, deadline: deadlineFor() });

    // The deliveries are in at the receiver; wait for the clients to have every event (or the deadline).
    const delivered = new Map();
    for (const [key, at] of receiver.arrivals) if (key.endsWith(` ${path}`)) delivered.set(key.slice(0, key.indexOf(' ')), at);
    const expectedEvents = connected * delivered.size;
    const waitUntil = Math.min(deadlineFor(), Date.now() + 30_000);
    let progress = [];
    while (Date.now() < waitUntil) {
      progress = await Promise.all(children.map((child) => ask(child, { type: 'progress' }, 'progress', 10_000)));
      if (sum(progress, 'events') >= expectedEvents) break;
      await sleep(250);
    }

    const replies = await Promise.all(children.map((child) => ask(child, { type: 'lags', arrivals: delivered }, 'lags', 60_000)));
    const lags = new Float64Array(sum(replies, 'seen'));
    let offset = 0;
    for (const reply of replies) {
      lags.set(reply.lags, offset);
      offset += reply.lags.length;
    }
    return {
      clients,
      connected,
      openFailures: clients - connected,
      openErrors: openErrors.slice(0, 3),
      rate,
      seconds,
      messages: deliveries.messages,
      accepted: deliveries.accepted,
      delivered: deliveries.delivered,
      deliveryLatencyMs: deliveries.latencyMs,
      expectedEvents,
      events: lags.length,
      missingEvents: sum(replies, 'missing'),
      duplicateEvents: sum(replies, 'duplicates'),
      unknownEvents: sum(replies, 'unknown'),
      droppedClients: sum(replies, 'dropped'),
      complete: deliveries.complete && connected === clients && lags.length === expectedEvents,
      timedOut: deliveries.timedOut || lags.length < expectedEvents,
      lagMs: percentiles(lags),
    };
  } finally {
    await send.close();
    await stopChildren();
  }
}

function forkClients() {
  const child = fork(join(REPO, 'bench/lib/sse-clients.mjs'), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { PATH: process.env.PATH ?? '' },
  });
  trackChild(child);
  return child;
}

/** Disconnecting makes the child exit (and close its streams); SIGKILL if it has not within 5 s. */
async function closeClients(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Sends `message` to a child and resolves with its reply of type `replyType`. */
function ask(child, message, replyType, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`SSE client process: no '${replyType}' reply within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (reply) => reply.type === replyType && done(null, reply);
    const onExit = (code) => done(new Error(`SSE client process exited (${code})`));
    function done(error, reply) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(reply);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

function sum(replies, field) {
  return replies.reduce((total, reply) => total + (reply[field] ?? 0), 0);
}
