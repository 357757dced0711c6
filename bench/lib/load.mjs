// Load generation with undici: closed-loop bursts (a fixed number of requests in flight) and open-loop
// fixed rates (each message leaves at its planned time, whatever happened to the ones before).
import { Pool } from 'undici';
import { now, sleep } from './util.mjs';

/** Every message carries about 250 bytes of JSON, a typical small webhook. */
const body = (i) => JSON.stringify({ eventType: 'bench.event', payload: { i, pad: 'x'.repeat(200) } });

/**
 * A function that POSTs message number `i` to `url + path` and resolves with the message id the system
 * answered (Herald's `msg_…`, the baseline's own); it throws on anything but 202. Requests give up after
 * 30 s, so no send can hang a scenario.
 */
export function sender(url, path, headers = {}) {
  const pool = new Pool(url, { connections: 128, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const send = async (i) => {
    const response = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body(i) });
    const text = await response.body.text();
    if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${text.slice(0, 200)}`);
    return JSON.parse(text).id;
  };
  send.close = () => pool.close();
  return send;
}

/**
 * Closed loop: `count` sends with `concurrency` in flight, stopping early at `stopAt` (Date.now()).
 * Returns the accepted ids with the time each send started, refusals, and how long accepting took.
 */
export async function burst(send, count, concurrency, stopAt) {
  const accepted = [];
  const refusals = [];
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && Date.now() < stopAt) {
        const i = next++;
        const sentAt = now();
        try {
          accepted.push({ id: await send(i), sentAt });
        } catch (error) {
          refusals.push(error.message);
        }
      }
    }),
  );
  return { started, accepted, refusals, attempted: next, acceptSeconds: (now() - started) / 1_000 };
}

/**
 * Open loop: `rate` messages per second for `seconds`. Message i is planned at t0 + i/rate and sent then
 * without waiting for earlier answers; latency is later taken from that planned time, so a stall in the
 * system under test counts in full for every message planned during it (no coordinated omission).
 * `lateMs` says how far behind plan the generator itself sent (it should stay near zero).
 */
export async function fixedRate(send, rate, seconds, stopAt) {
  const count = Math.round(rate * seconds);
  const t0 = now() + 10;
  const pending = [];
  const lateMs = [];
  for (let i = 0; i < count && Date.now() < stopAt; i++) {
    const plannedAt = t0 + (i * 1_000) / rate;
    const wait = plannedAt - now();
    if (wait > 1) await sleep(wait);
    lateMs.push(Math.max(0, now() - plannedAt));
    pending.push(
      send(i).then(
        (id) => ({ id, plannedAt }),
        (error) => ({ error: error.message, plannedAt }),
      ),
    );
  }
  const outcomes = await Promise.all(pending);
  return {
    planned: count,
    accepted: outcomes.filter((outcome) => outcome.id),
    refusals: outcomes.filter((outcome) => outcome.error).map((outcome) => outcome.error),
    lateMs,
  };
}

/**
 * Baseline (b), the machine's limit: `count` POSTs straight to the receiver, `concurrency` in flight,
 * each with its own webhook-id so the receiver counts them like deliveries.
 */
export async function rawPostLoop(url, path, count, concurrency, stopAt) {
  const pool = new Pool(url, { connections: concurrency, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const latencies = [];
  const post = async (i) => {
    const sentAt = now();
    const response = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': `raw_${i}` }, body: body(i) });
    await response.body.dump();
    latencies.push(now() - sentAt);
    return `raw_${i}`;
  };
  try {
    const loop = await burst(post, count, concurrency, stopAt);
    return { sent: loop.attempted, latencies, failures: loop.refusals, seconds: loop.acceptSeconds };
  } finally {
    await pool.close();
  }
}
