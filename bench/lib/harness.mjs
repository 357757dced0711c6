// The pieces every scenario uses: a receiver that notes when each webhook arrives, Herald and the
// baseline as child processes, closed-loop (burst) and open-loop (fixed rate) load, percentiles.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool, request } from 'undici';

export const REPO = join(import.meta.dirname, '../..');
const POSTGRES = process.env.HERALD_TEST_POSTGRES_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Answers 200 at once and notes the arrival time of each webhook-id (first arrival; repeats counted). */
export async function startReceiver() {
  const arrivals = new Map();
  let duplicates = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = `${req.headers['webhook-id']}${req.url}`;
      if (arrivals.has(id)) duplicates++;
      else arrivals.set(id, performance.now());
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    arrivals,
    get duplicates() {
      return duplicates;
    },
    reset() {
      arrivals.clear();
      duplicates = 0;
    },
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

/** Herald all-in-one in its own process, on a fresh SQLite file or PostgreSQL database and Redis prefix. */
export async function startHerald(database, env = {}) {
  const workDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const pgName = `herald_bench_${randomBytes(4).toString('hex')}`;
  let databaseUrl = `sqlite:${join(workDir, 'herald.sqlite')}`;
  if (database === 'postgres') {
    await adminQuery(`CREATE DATABASE ${pgName}`);
    const url = new URL(POSTGRES);
    url.pathname = `/${pgName}`;
    databaseUrl = url.toString();
  }
  const token = `bench-${randomBytes(12).toString('hex')}`;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const prefix = `herald-bench-${randomBytes(4).toString('hex')}`;
  const flags = (process.env.HERALD_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, join(REPO, 'dist/apps/all-in-one/src/main.js')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL, HERALD_API_TOKEN: token, HERALD_PORT: String(port), HERALD_QUEUE_PREFIX: prefix, HERALD_ALLOW_PRIVATE_TARGETS: 'true', HERALD_LOG_LEVEL: 'warn', HERALD_DATA_DIR: workDir, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitForOutput(child, 'is up', 60_000, 'Herald to start');
  const url = `http://127.0.0.1:${port}`;
  const api = async (method, path, body) => {
    const response = await request(`${url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    url,
    api,
    authHeaders: { authorization: `Bearer ${token}` },
    pid: child.pid,
    async stop() {
      const peakRssMb = peakRss(child.pid);
      await stopChild(child);
      await deletePrefix(prefix);
      rmSync(workDir, { recursive: true, force: true });
      if (database === 'postgres') await adminQuery(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
      return { peakRssMb };
    },
  };
}

/** Baseline (a): bench/baseline-bullmq.mjs in its own process. */
export async function startBaseline(target) {
  const prefix = `herald-bench-baseline-${randomBytes(4).toString('hex')}`;
  const child = spawn(process.execPath, [join(REPO, 'bench/baseline-bullmq.mjs')], { env: { ...process.env, REDIS_URL, PREFIX: prefix, TARGET: target, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await waitForOutput(child, 'ready', 30_000, 'the baseline to start');
  const port = /ready (\d+)/.exec(line)[1];
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const peakRssMb = peakRss(child.pid);
      await stopChild(child);
      await deletePrefix(prefix);
      return { peakRssMb };
    },
  };
}

/** A sender: POSTs one message and resolves with the id the receiver will see. */
export function sender(url, path, headers = {}) {
  const pool = new Pool(url, { connections: 128 });
  const send = async (i) => {
    const response = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ eventType: 'bench.event', payload: { i, at: Date.now(), pad: 'x'.repeat(200) } }) });
    const body = await response.body.json();
    if (response.statusCode !== 202) throw new Error(`send: ${response.statusCode} ${JSON.stringify(body)}`);
    return body.id;
  };
  send.close = () => pool.close();
  return send;
}

/** Closed loop: `count` sends with `concurrency` in flight. Returns each id with its accept time. */
export async function burst(send, count, concurrency) {
  const accepted = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const sentAt = performance.now();
        accepted.push({ id: await send(i), sentAt, acceptedAt: performance.now() });
      }
    }),
  );
  return { started, accepted, acceptSeconds: (performance.now() - started) / 1_000 };
}

/**
 * Open loop at `rate` per second for `seconds`: each send leaves at its intended time whether or not the
 * previous ones were answered, and latency counts from that intended time (no coordinated omission).
 */
export async function fixedRate(send, rate, seconds) {
  const count = Math.round(rate * seconds);
  const started = performance.now();
  const sends = [];
  for (let i = 0; i < count; i++) {
    const intendedAt = started + (i * 1_000) / rate;
    const wait = intendedAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(send(i).then((id) => ({ id, intendedAt }), (error) => ({ error: error.message, intendedAt })));
  }
  return { started, accepted: await Promise.all(sends) };
}

/** Waits until `expected` arrivals are in (or the deadline passes); the number that arrived. */
export async function arrivalsOf(receiver, expected, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (receiver.arrivals.size < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return receiver.arrivals.size;
}

export function percentiles(values) {
  if (values.length === 0) return { p50: null, p95: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] * 10) / 10;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** Peak resident set (VmHWM) of a live process, in MB. */
function peakRss(pid) {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

function waitForOutput(child, text, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`${what}: exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes(text));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}

async function stopChild(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function deletePrefix(prefix) {
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = nextCursor;
  } while (cursor !== '0');
  redis.disconnect();
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
