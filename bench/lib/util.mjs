// Small helpers every part of the harness uses.
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '../..');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The PostgreSQL server the bench creates its databases on (the same variable the tests read). */
export const POSTGRES_ADMIN_URL = process.env.HERALD_TEST_POSTGRES_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';

/**
 * Wall-clock milliseconds with sub-millisecond resolution. performance.timeOrigin is the process's start
 * on the wall clock, so values taken in different processes (the receiver here, SSE clients in children)
 * can be subtracted from each other; Date.now() alone is too coarse for latencies of a few ms.
 */
export const now = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export function log(message) {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

export function round(value, digits = 2) {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Nearest-rank percentiles in ms, one decimal; null when there is nothing to measure. */
export function percentiles(values) {
  const count = values.length;
  if (count === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = values instanceof Float64Array ? values.slice().sort() : Float64Array.from(values).sort();
  const at = (q) => round(sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))], 1);
  return { count, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** Polls `done()` every 50 ms until it is true or `deadline` (a Date.now() value) passes; true if done. */
export async function waitUntil(done, deadline) {
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/** A TCP port nothing listens on right now. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The run's time budget. `until(ms)` is a deadline `ms` from now, never later than the end of the
 * budget minus what cleanup and the report need; `left()` is how much of the budget remains for work.
 */
export function timeBudget(totalMs, reserveMs) {
  const end = Date.now() + totalMs;
  return {
    end,
    left: () => end - reserveMs - Date.now(),
    until: (ms) => Math.min(Date.now() + ms, end - reserveMs),
  };
}
