#!/usr/bin/env node
// `npm run bench`: Herald all-in-one (SQLite, then PostgreSQL) against two baselines on the same machine,
// in one run: (a) a bare BullMQ queue and worker POSTing with undici (bench/baseline-bullmq.mjs), and
// (b) a raw undici POST loop to the receiver. Loopback only; every wait has a deadline.
//   node bench/run.mjs [--quick] [--database sqlite,postgres] [--messages 20000] [--out bench/results]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { arrivalsOf, burst, fixedRate, percentiles, REPO, sender, startBaseline, startHerald, startReceiver } from './lib/harness.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    database: { type: 'string', default: 'sqlite,postgres' },
    messages: { type: 'string' },
    out: { type: 'string', default: join(REPO, 'bench/results') },
  },
});
const QUICK = args.quick;
const MESSAGES = Number(args.messages ?? (QUICK ? 300 : 20_000));
const CONCURRENCY = 32;
const FANOUT_ENDPOINTS = 100;
const RATES = QUICK ? [100, 300] : [100, 300, 1_000];
const RATE_SECONDS = QUICK ? 2 : 10;
/** How long a scenario may wait for its deliveries before it is reported incomplete. */
const DELIVERY_DEADLINE_MS = QUICK ? 60_000 : 150_000;

const log = (message) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const receiver = await startReceiver();
const results = [];

try {
  for (const database of args.database.split(',')) await heraldScenarios(database);
  await baselineScenarios();
  await rawUndiciLoop();
} finally {
  await receiver.close();
}
report();

async function heraldScenarios(database) {
  log(`Herald on ${database}: starting`);
  const herald = await startHerald(database);
  try {
    const app = await herald.api('POST', '/app', { name: 'bench' });
    await herald.api('POST', `/app/${app.id}/endpoint`, { url: `${receiver.url}/one` });
    const wide = await herald.api('POST', '/app', { name: 'bench-100' });
    for (let i = 0; i < FANOUT_ENDPOINTS; i++) await herald.api('POST', `/app/${wide.id}/endpoint`, { url: `${receiver.url}/e${i}` });
    const oneEndpoint = sender(herald.url, `/api/v1/app/${app.id}/msg`, herald.authHeaders);
    const hundred = sender(herald.url, `/api/v1/app/${wide.id}/msg`, herald.authHeaders);

    await runBurst(`herald ${database}`, 'burst, 1 endpoint', oneEndpoint, MESSAGES, 1);
    await runBurst(`herald ${database}`, `burst, ${FANOUT_ENDPOINTS} endpoints`, hundred, Math.max(10, Math.round(MESSAGES / FANOUT_ENDPOINTS)), FANOUT_ENDPOINTS);
    for (const rate of RATES) await runRate(`herald ${database}`, rate, oneEndpoint);
    await Promise.all([oneEndpoint.close(), hundred.close()]);
  } finally {
    const { peakRssMb } = await herald.stop();
    for (const result of results) if (result.system === `herald ${database}`) result.peakRssMb = peakRssMb;
    log(`Herald on ${database}: peak RSS ${peakRssMb} MB`);
  }
}

async function baselineScenarios() {
  log('baseline (a) BullMQ + undici: starting');
  const baseline = await startBaseline(`${receiver.url}/one`);
  try {
    const send = sender(baseline.url, '/msg');
    await runBurst('baseline (a) bullmq+undici', 'burst, 1 endpoint', send, MESSAGES, 1);
    for (const rate of RATES) await runRate('baseline (a) bullmq+undici', rate, send);
    await send.close();
  } finally {
    const { peakRssMb } = await baseline.stop();
    for (const result of results) if (result.system.startsWith('baseline (a)')) result.peakRssMb = peakRssMb;
  }
}

/** Baseline (b): the machine's limit, POSTs straight to the receiver, same concurrency. */
async function rawUndiciLoop() {
  receiver.reset();
  const pool = new Pool(receiver.url, { connections: CONCURRENCY });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < MESSAGES) {
        const response = await pool.request({ path: '/raw', method: 'POST', headers: { 'webhook-id': `raw_${next++}` }, body: '{}' });
        await response.body.dump();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  await pool.close();
  results.push({ system: 'baseline (b) raw undici', scenario: 'burst, 1 endpoint', messages: MESSAGES, attempts: receiver.arrivals.size, duplicates: receiver.duplicates, acceptedPerSecond: null, deliveredPerSecond: Math.round(receiver.arrivals.size / seconds) });
  log(`baseline (b): ${Math.round(receiver.arrivals.size / seconds)} POST/s`);
}

async function runBurst(system, scenario, send, messages, fanout) {
  receiver.reset();
  log(`${system}: ${scenario}, ${messages} messages`);
  const { started, accepted, acceptSeconds } = await burst(send, messages, CONCURRENCY);
  const expected = messages * fanout;
  const arrived = await arrivalsOf(receiver, expected, DELIVERY_DEADLINE_MS);
  const last = Math.max(...receiver.arrivals.values());
  const sentAt = new Map(accepted.map((entry) => [entry.id, entry.sentAt]));
  const latencies = [...receiver.arrivals].map(([key, at]) => at - sentAt.get(key.split('/')[0])).filter(Number.isFinite);
  const result = {
    system,
    scenario,
    messages,
    attempts: arrived,
    expectedAttempts: expected,
    complete: arrived === expected,
    duplicates: receiver.duplicates,
    acceptedPerSecond: Math.round(messages / acceptSeconds),
    deliveredPerSecond: Math.round(arrived / ((last - started) / 1_000)),
    latencyMs: percentiles(latencies),
  };
  results.push(result);
  log(`  accepted ${result.acceptedPerSecond}/s, delivered ${result.deliveredPerSecond}/s, ${arrived}/${expected} attempts, ${result.duplicates} duplicates`);
}

async function runRate(system, rate, send) {
  receiver.reset();
  log(`${system}: ${rate} msg/s for ${RATE_SECONDS} s`);
  const { accepted } = await fixedRate(send, rate, RATE_SECONDS);
  const ok = accepted.filter((entry) => entry.id);
  const arrived = await arrivalsOf(receiver, ok.length, DELIVERY_DEADLINE_MS);
  const intended = new Map(ok.map((entry) => [`${entry.id}/one`, entry.intendedAt]));
  const latencies = [...receiver.arrivals].map(([key, at]) => at - intended.get(key)).filter(Number.isFinite);
  const result = { system, scenario: `${rate} msg/s`, messages: accepted.length, refused: accepted.length - ok.length, attempts: arrived, expectedAttempts: ok.length, complete: arrived === ok.length, duplicates: receiver.duplicates, latencyMs: percentiles(latencies) };
  results.push(result);
  log(`  p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${arrived}/${ok.length} delivered`);
}

function report() {
  const find = (system, scenario) => results.find((r) => r.system === system && r.scenario === scenario);
  for (const result of results) {
    if (!result.system.startsWith('herald')) continue;
    const bullmq = find('baseline (a) bullmq+undici', result.scenario.startsWith('burst') ? 'burst, 1 endpoint' : result.scenario);
    const raw = find('baseline (b) raw undici', 'burst, 1 endpoint');
    if (result.deliveredPerSecond) {
      result.vsBullmq = bullmq?.deliveredPerSecond ? round(result.deliveredPerSecond / bullmq.deliveredPerSecond) : null;
      result.vsRawUndici = raw?.deliveredPerSecond ? round(result.deliveredPerSecond / raw.deliveredPerSecond) : null;
    } else if (bullmq?.latencyMs?.p99) {
      result.p99VsBullmq = round(result.latencyMs.p99 / bullmq.latencyMs.p99);
    }
  }
  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
  const run = { date: new Date().toISOString(), quick: QUICK, machine, settings: { messages: MESSAGES, concurrency: CONCURRENCY, rates: RATES, rateSeconds: RATE_SECONDS }, results };
  mkdirSync(args.out, { recursive: true });
  const json = JSON.stringify(run, null, 2);
  writeFileSync(join(args.out, `${run.date.replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(args.out, 'latest.json'), json);
  writeFileSync(join(args.out, 'latest.md'), markdown(run));
  console.log(`\n${markdown(run)}\nwritten to ${args.out}`);
}

function markdown(run) {
  const cell = (value) => (value === null || value === undefined ? '' : String(value));
  const rows = run.results.map((r) =>
    `| ${r.system} | ${r.scenario} | ${cell(r.acceptedPerSecond)} | ${cell(r.deliveredPerSecond)} | ${cell(r.latencyMs?.p50)} / ${cell(r.latencyMs?.p95)} / ${cell(r.latencyMs?.p99)} | ${cell(r.vsBullmq ?? r.p99VsBullmq)} | ${cell(r.vsRawUndici)} | ${r.attempts}/${r.expectedAttempts ?? r.attempts}${r.duplicates ? `, ${r.duplicates} dup` : ''} | ${cell(r.peakRssMb)} |`,
  );
  return [
    `Run ${run.date}${run.quick ? ' (quick)' : ''} on ${run.machine.cores} × ${run.machine.cpu}, ${run.machine.memoryGb} GB, Node ${run.machine.node}; ${run.settings.messages} messages per burst, ${run.settings.concurrency} producer requests in flight.`,
    '',
    '| system | scenario | accepted/s | delivered/s | latency p50 / p95 / p99 ms | × baseline (a) | × baseline (b) | delivered | peak RSS MB |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Latency: accept-to-receive for bursts (from the send), intended-send-to-receive at fixed rates. × baseline (a): delivered/s ratio for bursts, p99 ratio for fixed rates.',
    '',
  ].join('\n');
}

function round(value) {
  return Math.round(value * 100) / 100;
}
