// What the bench leaves behind is undone here, whether the run ends normally, on Ctrl-C, on an error or at
// the hard time cap: child processes, PostgreSQL databases, Redis keys and temp dirs.
import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import pg from 'pg';
import { POSTGRES_ADMIN_URL, REDIS_URL } from './util.mjs';

const tasks = [];
const children = new Set();

/** Registers an async undo step; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(task) {
  const entry = { task, done: false };
  tasks.push(entry);
  return async () => {
    if (entry.done) return;
    entry.done = true;
    await entry.task();
  };
}

/** Runs every step not yet run, newest first, each bounded so a stuck one cannot hold the exit. */
export async function cleanupAll() {
  for (const entry of tasks.slice().reverse()) {
    if (entry.done) continue;
    entry.done = true;
    try {
      await Promise.race([entry.task(), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
    } catch (error) {
      console.error(`[bench] cleanup step failed: ${error.message}`);
    }
  }
}

/** Child processes are also killed synchronously when this process exits, whatever the reason. */
export function trackChild(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
}
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Ctrl-C, SIGTERM and crashes clean up before exiting. */
export function installExitHandlers() {
  let exiting = false;
  const bail = async (code, reason) => {
    if (exiting) return;
    exiting = true;
    console.error(`[bench] ${reason}; cleaning up`);
    await cleanupAll();
    process.exit(code);
  };
  process.on('SIGINT', () => bail(130, 'interrupted'));
  process.on('SIGTERM', () => bail(143, 'terminated'));
  process.on('uncaughtException', (error) => bail(1, `uncaught: ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => bail(1, `unhandled rejection: ${error?.stack ?? error}`));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** Deletes every Redis key that starts with `prefix` (SCAN, never KEYS, so Redis is not blocked). */
export async function deleteRedisKeys(prefix) {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function createDatabase(name) {
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function dropDatabase(name) {
  return adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
