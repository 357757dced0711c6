#!/usr/bin/env node
// `npm run bench:sustained`: the sustained mixed load, on Herald all-in-one with SQLite. `rate` msg/s go
// round robin to `apps` applications of `endpoints` endpoints each; one endpoint in ten fails each message's
// first attempt (the receiver's /flaky/ paths), so retries, an opening and closing circuit and held attempts
// run beside the healthy traffic. Reported per minute: the healthy endpoints' p99 from planned send to
// arrival, and Herald's RSS. Run once per settings profile (fast retries, then the defaults).
//
//   node bench/sustained.mjs [--minutes 15] [--profiles fast,defaults] [--rate 200] [--warmup 15] [--out bench/results]
//
// Like `npm run bench`'s scenarios, each profile first runs the same load unmeasured for `--warmup` seconds: a
// fresh process compiles its hot paths in its first seconds, which is start-up, not sustained load. Those
// messages still count for exactly-once, and their p99 is reported apart (`warmup`).
//
// Writes <out>/sustained-<timestamp>.json and <out>/sustained-latest.md. Longer than `npm run bench`'s
// ten minutes by design, so it is a command of its own.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanupAll, deleteRedisKeys, installExitHandlers, onCleanup } from './lib/cleanup.mjs';
import { collectDeliveries } from './lib/deliveries.mjs';
import { fixedRate, sender } from './lib/load.mjs';
import { cpuSeconds, rssMb } from './lib/processes.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { machine } from './lib/report.mjs';
import { startHerald } from './lib/systems.mjs';
import { log, percentiles, REPO, round } from './lib/util.mjs';

/** The settings profiles: frequent retries and a short cooldown (the hard case), and Herald's defaults. */
const PROFILES = {
  fast: { HERALD_RETRY_SCHEDULE: '0s,500ms,500ms,500ms', HERALD_CIRCUIT_COOLDOWN: '1s' },
  defaults: {},
};
/** The target: every minute's p99 for the healthy endpoints. */
const TARGET_P99_MS = 500;

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '15' },
    profiles: { type: 'string', default: Object.keys(PROFILES).join(',') },
    rate: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '15' },
    apps: { type: 'string', default: '10' },
    endpoints: { type: 'string', default: '5' },
    // Apps whose first endpoint is flaky; by default every other one (one endpoint in ten with 5 per app).
    'flaky-apps': { type: 'string' },
    out: { type: 'string', default: join(REPO, 'bench/results') },
  },
});
const minutes = Number(args.minutes);
const rate = Number(args.rate);
const warmupSeconds = Number(args.warmup);
const appCount = Number(args.apps);
const endpointCount = Number(args.endpoints);
const flakyApps = Number(args['flaky-apps'] ?? Math.ceil(appCount / 2));
const profiles = args.profiles.split(',').filter((name) => {
  if (!PROFILES[name]) throw new Error(`--profiles: unknown profile ${name}; known: ${Object.keys(PROFILES).join(', ')}`);
  return true;
});
if (!(minutes > 0 && rate > 0 && appCount > 0 && endpointCount > 0)) throw new Error('--minutes, --rate, --apps and --endpoints must be positive');

const runId = randomBytes(3).toString('hex');
const started = Date.now();
installExitHandlers();
onCleanup(() => deleteRedisKeys(`herald-bench-${runId}-`));
const receiver = await startReceiver();
onCleanup(() => receiver.close());
// Bounded: each profile's load, plus its drain, plus start-up; past this the partial report is written.
const capMs = profiles.length * (minutes * 60_000 + 240_000);
setTimeout(async () => {
  log('time cap reached: writing what there is and stopping');
  if (draining) runs.push(draining());
  write();
  await cleanupAll();
  process.exit(2);
}, capMs).unref();

const runs = [];
/** The running profile's result so far, once its load has been sent: the time cap's report includes it. */
let draining;
for (const [index, profile] of profiles.entries()) runs.push(await sustained(profile, index + 1));
write();
await cleanupAll();
log(`done in ${Math.round((Date.now() - started) / 1_000)} s`);
process.exit(runs.every((run) => run.complete) ? 0 : 1);

async function sustained(profile, index) {
  log(`${profile}: ${minutes} min at ${rate} msg/s to ${appCount} apps × ${endpointCount} endpoints (${JSON.stringify(PROFILES[profile])})`);
  receiver.reset();
  const herald = await startHerald({ database: 'sqlite', runId, index, env: PROFILES[profile] });
  const [pid] = herald.pids;
  const rss = [];
  let loadStarted = Date.now();
  const sampler = setInterval(() => rss.push({ atSeconds: round((Date.now() - loadStarted) / 1_000, 0), mb: rssMb(pid) }), 5_000);
  let result;
  try {
    const apps = await createApps(herald, `s${index}`);
    const appOf = new Map();
    const send = async (i) => {
      const app = apps[i % apps.length];
      const id = await app.send(i);
      appOf.set(id, app);
      return id;
    };
    const progress = setInterval(() => log(`  ${profile}: ${receiver.arrivals.size} arrived, RSS ${rssMb(pid)} MB`), 60_000);
    const warm = await fixedRate(send, rate, warmupSeconds, Date.now() + warmupSeconds * 1_000 + 30_000);
    const cpuBefore = cpuSeconds(pid);
    loadStarted = Date.now();
    const sent = await fixedRate(send, rate, minutes * 60, Date.now() + minutes * 60_000 + 60_000);
    clearInterval(progress);
    const expected = new Map();
    for (const { id, plannedAt } of [...warm.accepted, ...sent.accepted]) for (const path of appOf.get(id).paths) expected.set(`${id} ${path}`, plannedAt);
    draining = () => ({
      profile,
      settings: PROFILES[profile],
      note: 'time cap reached while draining: p99s are of what had arrived',
      duplicates: 'not counted',
      delivered: [...expected.keys()].filter((key) => receiver.arrivals.has(key)).length,
      expectedAttempts: expected.size,
      cpuCoresAverage: round((cpuSeconds(pid) - cpuBefore) / ((Date.now() - loadStarted) / 1_000), 2),
      perMinute: minuteByMinute(sent.accepted, appOf, rss),
      peakRssMb: Math.max(...rss.map((sample) => sample.mb ?? 0)),
      complete: false,
      meetsTarget: false,
    });
    const collected = await collectDeliveries(receiver, expected, Date.now() + 180_000);
    const cpu = cpuSeconds(pid) - cpuBefore;
    const perMinute = minuteByMinute(sent.accepted, appOf, rss);
    result = {
      profile,
      settings: PROFILES[profile],
      minutes,
      rate,
      planned: sent.planned,
      accepted: sent.accepted.length,
      refused: sent.refusals.length,
      refusalSample: sent.refusals[0],
      ...collected,
      failedOnPurpose: receiver.counts.failedOnPurpose,
      cpuCoresAverage: round(cpu / (minutes * 60), 2),
      generatorLateP99Ms: percentiles(sent.lateMs).p99,
      warmup: {
        seconds: warmupSeconds,
        accepted: warm.accepted.length,
        healthy: percentiles(latencyBuckets(warm.accepted, appOf, Infinity)[0]?.healthy ?? []),
      },
      perMinute,
      // Per second of planned sends, the healthy endpoints' p99: where in a minute its stalls were.
      healthyP99BySecond: bySecond(sent.accepted, appOf),
      worstHealthyP99Ms: Math.max(...perMinute.map((minute) => minute.healthy.p99 ?? Infinity)),
      complete: collected.complete && collected.duplicates === 0 && sent.accepted.length === sent.planned,
    };
    result.meetsTarget = result.complete && result.worstHealthyP99Ms <= TARGET_P99_MS;
    draining = undefined;
    log(
      `  ${profile}: ${collected.delivered}/${collected.expectedAttempts} delivered, ${collected.duplicates} duplicates; worst minute's healthy p99 ${result.worstHealthyP99Ms} ms`,
    );
    for (const minute of perMinute)
      log(`    minute ${minute.minute}: healthy p99 ${minute.healthy.p99} ms, flaky p99 ${minute.flaky.p99} ms, RSS ≤ ${minute.rssMb} MB`);
    return result;
  } finally {
    clearInterval(sampler);
    const { peakRssMb } = await herald.stop();
    if (result) result.peakRssMb = peakRssMb;
    log(`  ${profile}: Herald stopped, peak RSS ${peakRssMb} MB`);
  }
}

/** Applications of `endpointCount` endpoints each; the first endpoint of `flakyApps` of them, spread evenly, is flaky. */
async function createApps(herald, tag) {
  const apps = [];
  for (let a = 0; a < appCount; a++) {
    const app = await herald.api('POST', '/app', { name: `sustained-${a}` });
    const paths = [];
    for (let e = 0; e < endpointCount; e++) {
      const flaky = e === 0 && Math.floor((a * flakyApps) / appCount) !== Math.floor(((a - 1) * flakyApps) / appCount);
      const path = flaky ? `/${tag}/flaky/a${a}` : `/${tag}/a${a}/e${e}`;
      await herald.api('POST', `/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
      paths.push(path);
    }
    apps.push({ paths, send: sender(herald.url, `/api/v1/app/${app.id}/msg`, herald.authHeaders) });
  }
  onCleanup(() => Promise.all(apps.map((app) => app.send.close())));
  return apps;
}

/**
 * Arrival latencies (from planned send) of `accepted` messages, healthy and flaky endpoints apart, in buckets of
 * `widthMs` of planned send time (one bucket for Infinity).
 */
function latencyBuckets(accepted, appOf, widthMs) {
  // A loop, not Math.min(...): a 15-minute run accepts 180,000 messages, past what a spread can pass.
  const t0 = accepted.reduce((min, entry) => Math.min(min, entry.plannedAt), Infinity);
  const buckets = [];
  for (const { id, plannedAt } of accepted) {
    const bucket = (buckets[Math.floor((plannedAt - t0) / widthMs)] ??= { healthy: [], flaky: [] });
    for (const path of appOf.get(id).paths) {
      const at = receiver.arrivals.get(`${id} ${path}`);
      if (at !== undefined) bucket[path.includes('/flaky/') ? 'flaky' : 'healthy'].push(at - plannedAt);
    }
  }
  return buckets;
}

/** Per minute of planned sends: p99 from planned send to arrival, healthy and flaky endpoints apart, and the highest RSS sampled. */
function minuteByMinute(accepted, appOf, rss) {
  return latencyBuckets(accepted, appOf, 60_000).map((bucket, minute) => ({
    minute: minute + 1,
    healthy: percentiles(bucket.healthy),
    flaky: percentiles(bucket.flaky),
    rssMb: Math.max(0, ...rss.filter((sample) => sample.atSeconds >= minute * 60 && sample.atSeconds < (minute + 1) * 60).map((sample) => sample.mb ?? 0)),
  }));
}

/** The healthy endpoints' p99 (ms, rounded) for each second of planned sends. */
function bySecond(accepted, appOf) {
  return Array.from(latencyBuckets(accepted, appOf, 1_000), (bucket) => (bucket?.healthy.length ? Math.round(percentiles(bucket.healthy).p99) : null));
}

function write() {
  const run = {
    date: new Date(started).toISOString(),
    runId,
    tookSeconds: (Date.now() - started) / 1_000,
    machine: machine(),
    targetP99Ms: TARGET_P99_MS,
    runs,
  };
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, `sustained-${run.date.replace(/[:.]/g, '-')}.json`), JSON.stringify(run, null, 2));
  const lines = [
    `# Sustained mixed load, ${run.date}`,
    '',
    `${rate} msg/s to ${appCount} apps × ${endpointCount} endpoints for ${minutes} min, one endpoint in ten failing each message's first attempt, after ${warmupSeconds} s of the same load unmeasured; SQLite, all-in-one. Target: every minute's healthy p99 ≤ ${TARGET_P99_MS} ms.`,
    '',
    '| profile | delivered | duplicates | peak RSS | CPU (cores) | warm-up healthy p99 (ms) | healthy p99 per minute (ms) | meets target |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.profile} ${JSON.stringify(r.settings)}${r.note ? ` (${r.note})` : ''} | ${r.delivered} / ${r.expectedAttempts} | ${r.duplicates} | ${r.peakRssMb} MB | ${r.cpuCoresAverage} | ${r.warmup?.healthy?.p99 ?? '–'} (${r.warmup?.seconds ?? 0} s) | ${r.perMinute.map((m) => m.healthy.p99).join(', ')} | ${r.meetsTarget ? 'yes' : 'no'} |`,
    ),
    '',
    'RSS per minute (MB): ' + runs.map((r) => `${r.profile}: ${r.perMinute.map((m) => m.rssMb).join(', ')}`).join('; '),
    '',
  ];
  writeFileSync(join(args.out, 'sustained-latest.md'), lines.join('\n'));
  console.log(`\n${lines.join('\n')}`);
}
