// A probe for a Herald under the bench: each thread's event-loop stalls over 8 ms and garbage collections over
// 4 ms, with the wall-clock time, appended to <HERALD_PROBE_DIR or the temp dir>/stalls-<pid>-<thread>.log, to
// set beside the slow seconds of a run:
//
//   HERALD_BENCH_NODE_FLAGS="--require $PWD/bench/probes/stalls.js" node bench/run.mjs --only rates
const { threadId } = require('node:worker_threads');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { appendFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

const TICK_MS = 5;
const dir = process.env.HERALD_PROBE_DIR ?? tmpdir();
mkdirSync(dir, { recursive: true });
const file = join(dir, `stalls-${process.pid}-${threadId}.log`);
const log = (line) => appendFileSync(file, `${new Date().toISOString().slice(11, 23)} ${line}\n`);

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if (entry.duration > 4) log(`gc ${GC_KINDS[entry.detail?.kind] ?? entry.detail?.kind} ${entry.duration.toFixed(1)} ms`);
}).observe({ entryTypes: ['gc'] });

let last = performance.now();
setInterval(() => {
  const now = performance.now();
  const late = now - last - TICK_MS;
  if (late > 8) log(`event loop blocked ${late.toFixed(1)} ms`);
  last = now;
}, TICK_MS).unref();
