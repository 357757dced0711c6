#!/usr/bin/env node
// Burst benchmark: start Herald all-in-one as its own process, create an app with one endpoint at a local
// receiver, POST N messages with C in flight, and report accept and delivery throughput and the
// accept-to-receive latency of every message. Loopback only; bounded by N and a timeout.
//   node bench/burst.mjs [--messages 1000] [--concurrency 32] [--database sqlite|postgres]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { request } from 'undici';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '32' },
    database: { type: 'string', default: 'sqlite' },
    timeout: { type: 'string', default: '120' },
  },
});
const N = Number(args.messages);
const C = Number(args.concurrency);
const REPO = join(import.meta.dirname, '..');
const POSTGRES = process.env.HERALD_TEST_POSTGRES_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';

const received = new Map(); // msg id → receive time
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received.set(req.headers['webhook-id'], performance.now());
    res.end('ok');
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));

const workDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
let databaseUrl = `sqlite:${join(workDir, 'herald.sqlite')}`;
const pgName = `herald_bench_${randomBytes(4).toString('hex')}`;
if (args.database === 'postgres') {
  await adminQuery(`CREATE DATABASE ${pgName}`);
  const url = new URL(POSTGRES);
  url.pathname = `/${pgName}`;
  databaseUrl = url.toString();
}
const token = `bench-${randomBytes(8).toString('hex')}`;
const port = 20000 + Math.floor(Math.random() * 20000);
const prefix = `herald-bench-${randomBytes(4).toString('hex')}`;
const herald = spawn(process.execPath, [...(process.env.HERALD_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), join(REPO, 'dist/apps/all-in-one/src/main.js')], {
  env: { ...process.env, DATABASE_URL: databaseUrl, HERALD_API_TOKEN: token, HERALD_PORT: String(port), HERALD_QUEUE_PREFIX: prefix, HERALD_ALLOW_PRIVATE_TARGETS: 'true', HERALD_LOG_LEVEL: 'warn', HERALD_DATA_DIR: workDir },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
herald.stdout.on('data', (chunk) => (out += chunk));
const base = `http://127.0.0.1:${port}`;
await until(() => out.includes('is up'), 30_000, 'Herald to start');

const api = async (method, path, body) => {
  const res = await request(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const json = await res.body.json();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(json)}`);
  return json;
};
const app = await api('POST', '/app', { name: 'bench' });
await api('POST', `/app/${app.id}/endpoint`, { url: `http://127.0.0.1:${receiver.address().port}/hook` });

const accepted = new Map(); // msg id → accept time
const payload = { type: 'bench', data: { text: 'x'.repeat(200) } };
const started = performance.now();
let next = 0;
await Promise.all(Array.from({ length: C }, async () => {
  while (next < N) {
    next++;
    const message = await api('POST', `/app/${app.id}/msg`, { eventType: 'bench.event', payload });
    accepted.set(message.id, performance.now());
  }
}));
const acceptedAt = performance.now();
await until(() => received.size >= N, Number(args.timeout) * 1000, `${N} deliveries`);
const deliveredAt = performance.now();

const latencies = [...accepted].map(([id, at]) => received.get(id) - at).sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
const result = {
  database: args.database,
  messages: N,
  concurrency: C,
  acceptedPerSecond: Math.round(N / ((acceptedAt - started) / 1000)),
  deliveredPerSecond: Math.round(N / ((deliveredAt - started) / 1000)),
  totalSeconds: Number(((deliveredAt - started) / 1000).toFixed(2)),
  acceptToReceiveMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: latencies.at(-1).toFixed(1) },
};
console.log(JSON.stringify(result, null, 2));

herald.kill('SIGTERM');
await new Promise((resolve) => herald.once('exit', resolve));
receiver.close();
rmSync(workDir, { recursive: true, force: true });
if (args.database === 'postgres') await adminQuery(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(sql);
  await client.end();
}
