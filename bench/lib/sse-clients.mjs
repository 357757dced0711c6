// A child process holding many SSE stream clients, forked by the SSE fan-out scenario (several of these
// share the clients, so parsing does not all land on one core). Each client notes when every `delivery`
// event reached it. The parent asks over IPC:
//   { type: 'open', url, token, clients, capacity } → { type: 'opened', connected, failed, errors }
//   { type: 'progress' }                            → { type: 'progress', events, dropped }
//   { type: 'lags', arrivals: Map(msgId → time) }   → { type: 'lags', lags: Float64Array, seen, missing, duplicates, unknown, dropped }
// Lag = arrival at the client − arrival of the same message at the receiver; both clocks are util.now(),
// wall-clock based, so they compare across processes.
import { request } from 'node:http';
import { now } from './util.mjs';

/** Connections opened at once, so a thousand clients do not all hit Herald in the same millisecond. */
const OPEN_IN_PARALLEL = 25;

const clients = [];
/** msgId → column in every client's arrival array (all clients see the same messages). */
const columns = new Map();
let capacity = 0;
let events = 0;
let duplicates = 0;

process.on('disconnect', () => process.exit(0)); // the bench is gone, or done with us
process.on('message', async (message) => {
  if (message.type === 'open') {
    capacity = message.capacity;
    process.send({ type: 'opened', ...(await openAll(message)) });
  } else if (message.type === 'progress') {
    process.send({ type: 'progress', events, dropped: dropped() });
  } else if (message.type === 'lags') {
    process.send({ type: 'lags', ...lags(message.arrivals) });
  }
});

async function openAll({ url, token, clients: count }) {
  const errors = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(OPEN_IN_PARALLEL, count) }, async () => {
      while (next < count) {
        next++;
        try {
          clients.push(await open(url, token));
        } catch (error) {
          errors.push(error.message);
        }
      }
    }),
  );
  return { connected: clients.length, failed: errors.length, errors: errors.slice(0, 3) };
}

/** Resolves once the stream's `connected` event is in; fails on a non-200 answer or after 30 s. */
function open(url, token) {
  return new Promise((resolve, reject) => {
    const client = { arrivals: new Float64Array(capacity).fill(NaN), buffer: '', dropped: false, done: false };
    const timer = setTimeout(() => fail(new Error('no connected event within 30 s')), 30_000);
    const req = request(url, { agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
    function fail(error) {
      clearTimeout(timer);
      req.destroy();
      reject(error);
    }
    req.on('error', fail);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return fail(new Error(`stream answered ${res.statusCode}`));
      }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const at = now(); // stamp on receipt, before any parsing
        const text = client.buffer + chunk;
        let start = 0;
        for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n', start)) {
          const frame = text.slice(start, end);
          start = end + 2;
          if (frame.includes('event: delivery')) onDelivery(client, frame, at);
          else if (!client.done && frame.includes('event: connected')) {
            client.done = true;
            clearTimeout(timer);
            resolve(client);
          }
        }
        client.buffer = text.slice(start);
      });
      // Herald closes a client that falls too far behind; here that is a dropped client, not resumed.
      res.on('close', () => (client.dropped = true));
    });
    req.end();
  });
}

/** Takes `msgId` out of the data line without parsing the whole JSON (cheap enough for 500k events/s). */
function onDelivery(client, frame, at) {
  const start = frame.indexOf('"msgId":"');
  if (start === -1) return;
  const msgId = frame.slice(start + 9, frame.indexOf('"', start + 9));
  let column = columns.get(msgId);
  if (column === undefined) {
    column = columns.size;
    columns.set(msgId, column);
  }
  if (column >= client.arrivals.length) widen(client);
  if (Number.isNaN(client.arrivals[column])) {
    client.arrivals[column] = at;
    events++;
  } else duplicates++;
}

/** More messages than planned for: double this client's array (rare, so no cleverness). */
function widen(client) {
  const wider = new Float64Array(Math.max(64, client.arrivals.length * 2)).fill(NaN);
  wider.set(client.arrivals);
  client.arrivals = wider;
}

function dropped() {
  return clients.filter((client) => client.dropped).length;
}

function lags(arrivals) {
  const out = new Float64Array(clients.length * arrivals.size);
  let count = 0;
  let missing = 0;
  for (const [msgId, receivedAt] of arrivals) {
    const column = columns.get(msgId);
    for (const client of clients) {
      const at = column === undefined ? undefined : client.arrivals[column];
      if (at === undefined || Number.isNaN(at)) missing++;
      else out[count++] = at - receivedAt;
    }
  }
  let unknown = 0;
  for (const msgId of columns.keys()) if (!arrivals.has(msgId)) unknown++;
  return { lags: out.slice(0, count), seen: count, missing, duplicates, unknown, dropped: dropped() };
}
