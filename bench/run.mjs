#!/usr/bin/env node
// `npm run bench`: Herald all-in-one (SQLite, then PostgreSQL) against two baselines in the same run:
// (a) a bare BullMQ queue and worker POSTing with undici (bench/baseline-bullmq.mjs), (b) a raw undici
// POST loop to the receiver. Everything on loopback; every wait has a deadline, and the whole run a cap.
//
//   node bench/run.mjs [--quick] [--only burst-1,burst-100,rates,noisy,sse,split,baseline-a,baseline-b,traced]
//                      [--database sqlite,postgres] [--messages 20000] [--out bench/results]
//
// Without --only, every scenario but `traced` (the one-endpoint burst with tracing off, then exported) runs.
//
// Writes <out>/<timestamp>.json, <out>/latest.json and <out>/latest.md. Exits 1 if a scenario failed
// with an error (an incomplete scenario is reported, not an error), 2 at the hard time cap.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanupAll, deleteRedisKeys, installExitHandlers, onCleanup } from './lib/cleanup.mjs';
import { rawPostLoop, sender } from './lib/load.mjs';
import { startOtlpSink } from './lib/otlp-sink.mjs';
import { cpuSeconds, redisCommands } from './lib/processes.mjs';
import { startReceiver } from './lib/receiver.mjs';
import {
  addRatios,
  addTracingCost,
  BASELINE_A,
  BASELINE_B,
  HERALD_SPLIT,
  HERALD_TRACING_OFF,
  HERALD_TRACING_ON,
  machine,
  markdown,
  targets,
} from './lib/report.mjs';
import { startBaseline, startHerald } from './lib/systems.mjs';
import { log, percentiles, REDIS_URL, REPO, round, timeBudget } from './lib/util.mjs';
import { NOISY_HERALD_ENV, runNoisyNeighbour } from './scenarios/noisy-neighbour.mjs';
import { runSseFanout, sseHeraldEnv } from './scenarios/sse-fanout.mjs';
import { runBurst, runFixedRate } from './scenarios/throughput.mjs';

const SCENARIOS = ['burst-1', 'burst-100', 'rates', 'noisy', 'sse', 'split', 'traced', 'baseline-a', 'baseline-b'];
/** What a plain run measures: all but the tracing cost, which is asked for by name (--only traced). */
const DEFAULT_SCENARIOS = SCENARIOS.filter((name) => name !== 'traced');
const DATABASES = ['sqlite', 'postgres'];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: DEFAULT_SCENARIOS.join(',') },
    database: { type: 'string', default: DATABASES.join(',') },
    messages: { type: 'string' },
    out: { type: 'string', default: join(REPO, 'bench/results') },
  },
});
const QUICK = args.quick;
const only = new Set(list(args.only, SCENARIOS, '--only'));
const databases = list(args.database, DATABASES, '--database');
const messages = Number(args.messages ?? (QUICK ? 300 : 20_000));
if (!Number.isInteger(messages) || messages < 1) usage(`--messages must be a positive integer, got ${args.messages}`);

const settings = {
  messages,
  concurrency: 32,
  fanoutEndpoints: 100,
  fanoutMessages: Math.max(2, Math.round(messages / 100)), // N attempts in all, like the one-endpoint burst
  // Fixed rates: 300 msg/s three times (its target is the worst run), 1,000 msg/s sustained for 30 s.
  rates: QUICK
    ? [
        { rate: 100, seconds: 2, runs: 1 },
        { rate: 300, seconds: 2, runs: 1 },
      ]
    : [
        { rate: 100, seconds: 10, runs: 1 },
        { rate: 300, seconds: 10, runs: 3 },
        { rate: 1_000, seconds: 30, runs: 1 },
      ],
  noisy: {
    healthyEndpoints: 4,
    healthyRate: 50,
    noisyRate: 20,
    seconds: QUICK ? 3 : 10,
    warmupSeconds: QUICK ? 1 : 2,
    deliveryTimeout: NOISY_HERALD_ENV.HERALD_DELIVERY_TIMEOUT,
  },
  sse: { clients: QUICK ? 50 : 1_000, processes: QUICK ? 2 : 4, rate: QUICK ? 100 : 500, seconds: QUICK ? 3 : 10, warmupSeconds: QUICK ? 1 : 2 },
  // Unmeasured load before the first measurement on a fresh process, and a pause between measurements.
  warmupSeconds: QUICK ? 1 : 2,
  settleMs: QUICK ? 500 : 2_000,
  // npm run bench must finish within 10 minutes, build included; quick runs in CI.
  timeCapSeconds: QUICK ? 150 : 540,
  // Longest wait for one scenario's deliveries after its last send.
  drainSeconds: QUICK ? 30 : 150,
};
/** Readable names of the result rows (fixed rates are named `<rate> msg/s`). */
const SCENARIO_NAMES = {
  'burst-1': 'burst, 1 endpoint',
  'burst-100': `burst, ${settings.fanoutEndpoints} endpoints`,
  'noisy-clean': 'noisy neighbour: clean',
  'noisy-hanging': 'noisy neighbour: 1 endpoint hanging',
  sse: `SSE fan-out, ${settings.sse.clients} clients`,
};
/** Noisy neighbour and SSE run on the first database only, to stay within the time cap. */
const sideDatabase = databases[0];

const runId = randomBytes(3).toString('hex');
const started = Date.now();
const budget = timeBudget(settings.timeCapSeconds * 1_000, 25_000);
const results = [];
let heraldCount = 0;

installExitHandlers();
// The safety net: whatever is stuck, at the cap plus a grace period the partial report is written,
// everything is cleaned up and the run exits.
setTimeout(
  async () => {
    log('hard time cap reached: writing what there is and stopping');
    writeReport();
    await cleanupAll();
    process.exit(2);
  },
  (settings.timeCapSeconds + 30) * 1_000,
).unref();

log(
  `run ${runId}${QUICK ? ' (quick)' : ''}: ${[...only].join(', ')} on ${databases.join(', ')}; ${messages} messages per burst; cap ${settings.timeCapSeconds} s`,
);
onCleanup(() => deleteRedisKeys(`herald-bench-${runId}-`)); // last sweep of anything left under this run's prefix
const receiver = await startReceiver();
onCleanup(() => receiver.close());

await baselineB();
await baselineA();
for (const [i, database] of databases.entries()) {
  await heraldThroughput(database);
  if (i === 0) {
    await heraldNoisy(database);
    await heraldSse(database);
    await heraldTraced(database);
  }
}
await heraldSplit();

const failed = writeReport();
await cleanupAll();
log(`done in ${Math.round((Date.now() - started) / 1_000)} s; report in ${args.out}`);
process.exit(failed ? 1 : 0);

// --- scenarios ------------------------------------------------------------------------------------

/** Baseline (b): the machine's limit, POSTs straight to the receiver with the bursts' concurrency. */
async function baselineB() {
  await measure('baseline-b', label('burst-1', BASELINE_B, null), 5, async () => {
    receiver.reset();
    const loop = await rawPostLoop(receiver.url, '/raw', messages, settings.concurrency, budget.until(settings.drainSeconds * 1_000));
    const delivered = [...receiver.arrivals.keys()].filter((key) => key.endsWith(' /raw')).length;
    return {
      messages,
      expectedAttempts: messages,
      delivered,
      duplicates: receiver.counts.duplicates,
      complete: delivered === messages,
      timedOut: loop.sent < messages,
      failures: loop.failures.length,
      deliveredPerSecond: round(loop.sent / loop.seconds, 0),
      latencyMs: percentiles(loop.latencies), // request round trip, there is no queue in between
    };
  });
}

/** Baseline (a): the same warm-up, fixed rates and burst as Herald, through its own BullMQ process. */
async function baselineA() {
  if (!selected('baseline-a', 20, label('burst-1', BASELINE_A, null))) return;
  const path = '/bullmq';
  await withProcess(
    label('baseline', BASELINE_A, null),
    () => startBaseline({ runId, target: `${receiver.url}${path}` }),
    async (baseline) => {
      const send = sender(baseline.url, '/msg');
      try {
        await ratesThenBurst({
          system: BASELINE_A,
          database: null,
          send,
          paths: [path],
          pids: baseline.pids,
          names: { rates: 'baseline-a', burst: 'baseline-a' },
        });
      } finally {
        await send.close();
      }
    },
  );
}

/** Herald's fixed rates and bursts (1 and 100 endpoints) on one Herald process. */
async function heraldThroughput(database) {
  if (!['rates', 'burst-1', 'burst-100'].some((name) => only.has(name))) return;
  await withHerald(database, {}, label('herald', 'herald', database), async (herald, tag) => {
    const one = await oneEndpointApp(herald, tag);
    try {
      await ratesThenBurst({ system: 'herald', database, send: one.send, paths: one.paths, pids: herald.pids, names: { rates: 'rates', burst: 'burst-1' } });
    } finally {
      await one.send.close();
    }
    await measure('burst-100', label('burst-100', 'herald', database), 30, async () => {
      const wide = await wideApp(herald, tag);
      try {
        return await runBurst({
          receiver,
          send: wide.send,
          paths: wide.paths,
          messages: settings.fanoutMessages,
          concurrency: settings.concurrency,
          deadline: budget.until(settings.drainSeconds * 1_000),
        });
      } finally {
        await wide.send.close();
      }
    });
  });
}

/**
 * The sequence Herald and baseline (a) both get: an unmeasured warm-up, the fixed rates (before the
 * burst, so a burst's aftermath never lands in a latency figure), then the burst.
 */
async function ratesThenBurst({ system, database, send, paths, pids, names }) {
  await runFixedRate({ receiver, send, paths, rate: 100, seconds: settings.warmupSeconds, deadline: budget.until(30_000) });
  for (const { rate, seconds, runs } of settings.rates) {
    for (let run = 1; run <= runs; run++) {
      const rowLabel = { ...label(`rate-${rate}`, system, database), ...(runs > 1 ? { run, scenario: `${rate} msg/s (run ${run} of ${runs})` } : {}) };
      await measure(names.rates, rowLabel, seconds + 5, () =>
        runFixedRate({ receiver, send, paths, rate, seconds, deadline: budget.until((seconds + settings.drainSeconds) * 1_000) }),
      );
    }
  }
  await measure(names.burst, label('burst-1', system, database), 30, () =>
    withCpu(pids, messages, () =>
      runBurst({ receiver, send, paths, messages, concurrency: settings.concurrency, deadline: budget.until(settings.drainSeconds * 1_000) }),
    ),
  );
}

/** `run`'s result with what each message cost meanwhile: the system's CPU time (user + system) and Redis commands. */
async function withCpu(pids, count, run) {
  const used = () => pids.reduce((total, pid) => total + (cpuSeconds(pid) ?? NaN), 0);
  const [before, commandsBefore] = [used(), await redisCommands(REDIS_URL)];
  const result = await run();
  const cpuMsPerMessage = round(((used() - before) * 1_000) / count, 3);
  const commandsAfter = await redisCommands(REDIS_URL);
  const redisCommandsPerMessage = commandsBefore === null || commandsAfter === null ? null : round((commandsAfter - commandsBefore) / count, 1);
  return {
    ...result,
    ...(Number.isFinite(cpuMsPerMessage) ? { cpuMsPerMessage } : {}),
    ...(redisCommandsPerMessage === null ? {} : { redisCommandsPerMessage }),
  };
}

async function heraldNoisy(database) {
  const labels = { clean: label('noisy-clean', 'herald', database), noisy: label('noisy-hanging', 'herald', database) };
  if (!selected('noisy', 30, labels.noisy)) return;
  log(`noisy neighbour on ${database}: start`);
  await withHerald(database, NOISY_HERALD_ENV, labels.noisy, async (herald, tag) => {
    const deadlineFor = () => budget.until((settings.noisy.seconds + settings.drainSeconds) * 1_000);
    const { clean, noisy } = await runNoisyNeighbour({ herald, receiver, tag, ...settings.noisy, deadlineFor });
    record(labels.clean, clean);
    record(labels.noisy, noisy);
  });
}

async function heraldSse(database) {
  const sse = label('sse', 'herald', database);
  if (!selected('sse', 40, sse)) return;
  log(`SSE fan-out on ${database}: start`);
  await withHerald(database, sseHeraldEnv(settings.sse.clients), sse, async (herald, tag) => {
    const deadlineFor = () => budget.until((settings.sse.seconds + settings.drainSeconds) * 1_000);
    record(sse, await runSseFanout({ herald, receiver, tag, ...settings.sse, deadlineFor }));
  });
}

/**
 * What tracing costs when it is on: the one-endpoint burst on two fresh Heralds back to back, one untraced and
 * one exporting its spans (OTLP/HTTP protobuf, the SDK's default batching) to a local sink. The traced row says
 * how much more CPU a message took and how the delivery rate changed, and how many spans the sink received.
 */
async function heraldTraced(database) {
  const labels = { off: label('burst-1', HERALD_TRACING_OFF, database), on: label('burst-1', HERALD_TRACING_ON, database) };
  if (!selected('traced', 60, labels.on)) return;
  log(`tracing cost on ${database}: start`);
  const sink = await startOtlpSink();
  onCleanup(() => sink.close());
  const burst = (env, rowLabel) =>
    withHerald(database, env, rowLabel, async (herald, tag) => {
      const one = await oneEndpointApp(herald, tag);
      try {
        const warm = await runFixedRate({
          receiver,
          send: one.send,
          paths: one.paths,
          rate: 100,
          seconds: settings.warmupSeconds,
          deadline: budget.until(30_000),
        });
        await measure('traced', rowLabel, 30, async () => ({
          ...(await withCpu(herald.pids, messages, () =>
            runBurst({
              receiver,
              send: one.send,
              paths: one.paths,
              messages,
              concurrency: settings.concurrency,
              deadline: budget.until(settings.drainSeconds * 1_000),
            }),
          )),
          warmupMessages: warm.accepted,
        }));
      } finally {
        await one.send.close();
      }
    });
  await burst({}, labels.off);
  // Herald's stop (SIGTERM) flushes the spans still buffered, so the sink has them all once it returns.
  await burst({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }, labels.on);
  const traced = results.find((result) => result.system === HERALD_TRACING_ON && !result.error && !result.skipped);
  if (traced) Object.assign(traced, { spansExported: sink.counts.spans, otlpRequests: sink.counts.requests, otlpMb: round(sink.counts.bytes / 2 ** 20, 1) });
  await sink.close();
}

/**
 * The one-endpoint burst on the docker-compose topology (PostgreSQL: three processes writing one SQLite
 * file would mostly wait for its lock): what Herald does when it may use more than one core.
 */
async function heraldSplit() {
  const database = databases.includes('postgres') ? 'postgres' : null;
  const rowLabel = label('burst-1', HERALD_SPLIT, 'postgres');
  if (!database || !selected('split', 30, rowLabel)) return;
  const index = ++heraldCount;
  await withProcess(
    rowLabel,
    () => {
      log(`Herald #${index}, split, on ${database}: starting`);
      return startHerald({ database, runId, index, split: true });
    },
    async (herald) => {
      const one = await oneEndpointApp(herald, `h${index}`);
      try {
        await runFixedRate({ receiver, send: one.send, paths: one.paths, rate: 100, seconds: settings.warmupSeconds, deadline: budget.until(30_000) });
        await measure('split', rowLabel, 30, () =>
          withCpu(herald.pids, messages, () =>
            runBurst({
              receiver,
              send: one.send,
              paths: one.paths,
              messages,
              concurrency: settings.concurrency,
              deadline: budget.until(settings.drainSeconds * 1_000),
            }),
          ),
        );
      } finally {
        await one.send.close();
      }
    },
  );
}

// --- plumbing -------------------------------------------------------------------------------------

/** What identifies a result row: scenario key and its readable name, system, database. */
function label(key, system, database) {
  return { key, system, database, scenario: SCENARIO_NAMES[key] ?? (key.startsWith('rate-') ? `${key.slice(5)} msg/s` : key) };
}

/** True if scenario `name` was asked for and at least `minSeconds` of the budget remain; a skip is recorded. */
function selected(name, minSeconds, rowLabel) {
  if (!only.has(name)) return false;
  if (budget.left() >= minSeconds * 1_000) return true;
  log(`${rowLabel.scenario}: skipped, the time cap is near`);
  results.push({ ...rowLabel, skipped: 'time cap', complete: false });
  return false;
}

/** One measurement: run if selected, recorded with its label (or its error), then a short pause. */
async function measure(name, rowLabel, minSeconds, run) {
  if (!selected(name, minSeconds, rowLabel)) return;
  log(`${rowLabel.system}${rowLabel.database ? ` ${rowLabel.database}` : ''}, ${rowLabel.scenario}: start`);
  await guarded(rowLabel, async () => record(rowLabel, await run()));
  // Let the system finish what the scenario left behind (attempt records, queue housekeeping) first.
  await new Promise((resolve) => setTimeout(resolve, settings.settleMs));
}

/** Runs `run`; an error is logged and recorded against `rowLabel`, and the run goes on. */
async function guarded(rowLabel, run) {
  try {
    await run();
  } catch (error) {
    log(`${rowLabel.scenario}${rowLabel.database ? ` on ${rowLabel.database}` : ''}: FAILED: ${error.stack ?? error}`);
    results.push({ ...rowLabel, error: String(error.message ?? error), complete: false });
  }
}

/**
 * Starts a system process, runs `body` with it, stops it; every result recorded meanwhile gets the
 * process's peak RSS. A failure to start, or in `body`, is recorded against `rowLabel`.
 */
async function withProcess(rowLabel, start, body) {
  const first = results.length;
  let system;
  await guarded(rowLabel, async () => {
    system = await start();
    await body(system);
  });
  if (!system) return;
  await guarded({ ...rowLabel, scenario: `stopping ${rowLabel.system}` }, async () => {
    const { peakRssMb, startRssMb } = await system.stop();
    for (const result of results.slice(first)) if (!result.error && !result.skipped) Object.assign(result, { peakRssMb, startRssMb });
    log(`${rowLabel.system}${rowLabel.database ? ` on ${rowLabel.database}` : ''}: stopped, peak RSS ${peakRssMb} MB (${startRssMb} MB when it was up)`);
  });
}

function withHerald(database, env, rowLabel, body) {
  const index = ++heraldCount;
  return withProcess(
    rowLabel,
    () => {
      log(`Herald #${index} on ${database}: starting`);
      return startHerald({ database, runId, index, env });
    },
    (herald) => body(herald, `h${index}`),
  );
}

/** An application with one endpoint; its signatures are checked by the receiver. */
async function oneEndpointApp(herald, tag) {
  const app = await herald.api('POST', '/app', { name: 'bench-one' });
  const path = `/${tag}/one`;
  const endpoint = await herald.api('POST', `/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
  receiver.expectSecret(path, (await herald.api('GET', `/app/${app.id}/endpoint/${endpoint.id}/secret`)).key);
  return { send: sender(herald.url, `/api/v1/app/${app.id}/msg`, herald.authHeaders), paths: [path] };
}

/** An application with 100 endpoints: every message fans out to all of them. */
async function wideApp(herald, tag) {
  const app = await herald.api('POST', '/app', { name: 'bench-wide' });
  const paths = [];
  for (let i = 0; i < settings.fanoutEndpoints; i++) {
    const path = `/${tag}/wide/${i}`;
    const endpoint = await herald.api('POST', `/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
    receiver.expectSecret(path, (await herald.api('GET', `/app/${app.id}/endpoint/${endpoint.id}/secret`)).key);
    paths.push(path);
  }
  return { send: sender(herald.url, `/api/v1/app/${app.id}/msg`, herald.authHeaders), paths };
}

/** Adds a result and prints its line. */
function record(rowLabel, measured) {
  const result = { ...rowLabel, ...measured };
  results.push(result);
  const latency = result.lagMs ?? result.latencyMs;
  const counts =
    result.key === 'sse'
      ? `${result.events}/${result.expectedEvents} events`
      : `${result.delivered}/${result.expectedAttempts} delivered, ${result.duplicates} duplicates`;
  const rates = result.deliveredPerSecond ? `, accepted ${result.acceptedPerSecond ?? '-'}/s, delivered ${result.deliveredPerSecond}/s` : '';
  log(
    `  ${rowLabel.system}${result.database ? ` ${result.database}` : ''}, ${rowLabel.scenario}: ${counts}${rates}, p50/p95/p99 ${latency?.p50}/${latency?.p95}/${latency?.p99} ms${result.complete ? '' : ' — INCOMPLETE'}`,
  );
  return result;
}

/** Writes the JSON and Markdown reports; true if any scenario failed with an error. */
function writeReport() {
  addRatios(results);
  addTracingCost(results);
  const run = {
    date: new Date(started).toISOString(),
    runId,
    quick: QUICK,
    tookSeconds: (Date.now() - started) / 1_000,
    machine: machine(),
    settings: { ...settings, databases, only: [...only], sideDatabase },
    results,
    targets: targets(results, QUICK),
  };
  mkdirSync(args.out, { recursive: true });
  const json = JSON.stringify(run, null, 2);
  writeFileSync(join(args.out, `${run.date.replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(args.out, 'latest.json'), json);
  const md = markdown(run);
  writeFileSync(join(args.out, 'latest.md'), md);
  console.log(`\n${md}`);
  return results.some((result) => result.error);
}

function list(value, allowed, flag) {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const unknown = items.filter((item) => !allowed.includes(item));
  if (unknown.length || items.length === 0) usage(`${flag}: expected a comma-separated list of ${allowed.join(', ')}; got ${value}`);
  return items;
}

function usage(message) {
  console.error(`bench/run.mjs: ${message}`);
  process.exit(64);
}
