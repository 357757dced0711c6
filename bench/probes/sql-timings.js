// A probe for a Herald under the bench: time spent in each SQLite statement, per thread (total, count, mean,
// slowest, how many took over 5 ms), written every 2 s to <HERALD_PROBE_DIR or the temp dir>/sql-<pid>-<thread>.txt
// (a process stopped by SIGTERM has no exit event, so the file is kept current). It wraps better-sqlite3's
// statements, so it sees what TypeORM's async stacks hide from a CPU profile:
//
//   HERALD_BENCH_NODE_FLAGS="--require $PWD/bench/probes/sql-timings.js" node bench/run.mjs --only rates
const { threadId } = require('node:worker_threads');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const Database = require('better-sqlite3');

const SLOW_NS = 5_000_000n;
const dir = process.env.HERALD_PROBE_DIR ?? tmpdir();
const stats = new Map();
// Statements differ only in how many rows they carry: one key for all of them.
const keyOf = (sql) =>
  sql
    .replace(/\s+/g, ' ')
    .replace(/(\?, )+\?/g, '?…')
    .replace(/\(\?…\)(, \(\?…\))+/g, '(?…)…')
    .slice(0, 200);

const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (sql, ...rest) {
  const statement = prepare.call(this, sql, ...rest);
  const key = keyOf(sql);
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = statement[method];
    statement[method] = function (...args) {
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const took = process.hrtime.bigint() - started;
        const entry = stats.get(key) ?? { count: 0, ns: 0n, maxNs: 0n, slow: 0 };
        entry.count++;
        entry.ns += took;
        if (took > entry.maxNs) entry.maxNs = took;
        if (took > SLOW_NS) entry.slow++;
        stats.set(key, entry);
      }
    };
  }
  return statement;
};

const ms = (ns) => (Number(ns) / 1e6).toFixed(1);
function write() {
  const lines = [...stats]
    .sort((a, b) => Number(b[1].ns - a[1].ns))
    .map(
      ([key, s]) =>
        `${ms(s.ns).padStart(9)} ms ${String(s.count).padStart(8)} × ${(Number(s.ns) / s.count / 1e3).toFixed(1).padStart(7)} µs, slowest ${ms(s.maxNs).padStart(6)} ms, ${String(s.slow).padStart(4)} over 5 ms  ${key}`,
    );
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `sql-${process.pid}-${threadId}.txt`), `total ms, count, mean, slowest, over 5 ms, statement\n${lines.join('\n')}\n`);
}
setInterval(write, 2_000).unref();
process.on('exit', write);
