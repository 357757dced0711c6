// The systems under test, each in a process of its own: Herald all-in-one (as `npm start` runs it) and
// baseline (a). Each gets its own database and Redis key prefix, removed again when it stops.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { createDatabase, deleteRedisKeys, dropDatabase, onCleanup, removeDir } from './cleanup.mjs';
import { peakRssMb, rssMb, startNode, stopChild } from './processes.mjs';
import { freePort, REDIS_URL, REPO } from './util.mjs';

const entry = (app) => join(REPO, `dist/apps/${app}/src/main.js`);
const START_SCRIPTS = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts;

/** The heap settings `npm run start:<app>` gives Herald (package.json), then any flags to try (HERALD_BENCH_NODE_FLAGS). */
function nodeFlags(app) {
  const semiSpace = /--max-semi-space-size=(\d+)/.exec(START_SCRIPTS[`start:${app}`])[1];
  const heap = [`--max-old-space-size=${process.env.HERALD_MAX_HEAP_MB ?? 512}`, `--max-semi-space-size=${semiSpace}`];
  return [...heap, ...(process.env.HERALD_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
}
const BASELINE_ENTRY = join(REPO, 'bench/baseline-bullmq.mjs');

/**
 * Herald all-in-one on a fresh SQLite file or a fresh PostgreSQL database (`herald_bench_<run>_<n>`), a
 * Redis prefix of its own (`<runPrefix>-<n>`), loopback targets allowed. `env` adds or overrides settings.
 * `split`: the docker-compose topology instead, admin, ingest and two delivery processes (compose's two
 * replicas), each a process of its own (the API goes to admin, messages to ingest; peak RSS is their sum).
 * `databaseUrlFor` rewrites the PostgreSQL URL Herald gets (bench/scale-counts.mjs puts a counting proxy in between).
 * HERALD_* settings in the bench's environment pass through. HERALD_BENCH_NODE_FLAGS passes flags to its node (e.g. "--cpu-prof" to see where the time goes).
 */
export async function startHerald({ database, runId, index, env = {}, split = false, databaseUrlFor = (url) => url }) {
  const workDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const prefix = `herald-bench-${runId}-${index}`;
  const pgName = `herald_bench_${runId}_${index}`;
  const undo = [];
  const release = onCleanup(async () => {
    for (const step of undo.reverse()) await step();
  });
  undo.push(() => removeDir(workDir));
  undo.push(() => deleteRedisKeys(`${prefix}:`));

  try {
    let databaseUrl = `sqlite:${join(workDir, 'herald.sqlite')}`;
    if (database === 'postgres') {
      databaseUrl = databaseUrlFor(await createDatabase(pgName));
      undo.push(() => dropDatabase(pgName));
    }
    const token = `bench-token-${runId}-${index}-0000`;
    const start = async (app) => {
      const port = await freePort();
      const { child } = await startNode(
        [...nodeFlags(app), entry(app)],
        {
          // Settings to try (HERALD_DELIVERY_CONCURRENCY=128 npm run bench); what the bench sets below wins.
          ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('HERALD_') && !name.startsWith('HERALD_BENCH_'))),
          DATABASE_URL: databaseUrl,
          REDIS_URL,
          HERALD_API_TOKEN: token,
          HERALD_PORT: String(port),
          HERALD_HOST: '127.0.0.1',
          HERALD_QUEUE_PREFIX: prefix,
          HERALD_ALLOW_PRIVATE_TARGETS: 'true',
          HERALD_LOG_LEVEL: 'warn',
          HERALD_DATA_DIR: workDir,
          // Nothing the bench leaves in flight is worth waiting 20 s for at shutdown.
          HERALD_SHUTDOWN_TIMEOUT: '2s',
          ...env,
        },
        'is up',
        60_000,
        { options: { cwd: workDir } },
      );
      undo.push(() => stopChild(child));
      return { pid: child.pid, url: `http://127.0.0.1:${port}` };
    };
    // Admin first: it runs the migrations the others then find done.
    const processes = split
      ? [await start('admin'), ...(await Promise.all([start('ingest'), start('delivery'), start('delivery')]))]
      : [await start('all-in-one')];
    const pids = processes.map((proc) => proc.pid);
    const startRssMb = sum(pids.map(rssMb));
    const [adminUrl, ingestUrl = adminUrl] = processes.map((proc) => proc.url);

    const api = apiClient(adminUrl, token);
    return {
      database,
      /** Where messages go. */
      url: ingestUrl,
      token,
      pids,
      api,
      authHeaders: { authorization: `Bearer ${token}` },
      /** Stops Herald and removes its data; the peak RSS is read first, while the process still exists. */
      async stop() {
        const peak = sum(pids.map(peakRssMb));
        await api.close();
        await release();
        return { peakRssMb: peak, startRssMb };
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Baseline (a): bench/baseline-bullmq.mjs in its own process, POSTing every job to `target`. */
export async function startBaseline({ runId, target }) {
  const prefix = `herald-bench-${runId}-bullmq`;
  const release = onCleanup(() => deleteRedisKeys(`${prefix}:`));
  const { child, readyLine } = await startNode([BASELINE_ENTRY], { REDIS_URL, PREFIX: prefix, TARGET: target, PORT: '0' }, 'ready', 30_000, { ipc: true });
  const stopped = onCleanup(() => stopChild(child));
  const port = /ready (\d+)/.exec(readyLine)[1];
  const startRssMb = rssMb(child.pid);
  return {
    url: `http://127.0.0.1:${port}`,
    pids: [child.pid],
    async stop() {
      const peak = peakRssMb(child.pid);
      await stopped();
      await release();
      return { peakRssMb: peak, startRssMb };
    },
  };
}

/** JSON calls to Herald's API with the API token; throws on any status ≥ 300. */
function apiClient(url, token) {
  const pool = new Pool(url, { connections: 4, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const call = async (method, path, body) => {
    const response = await pool.request({
      path: `/api/v1${path}`,
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  call.close = () => pool.close();
  return call;
}

const sum = (values) => values.reduce((total, value) => total + value, 0);
