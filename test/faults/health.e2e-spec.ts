import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Svix } from 'svix';
import { createTestDatabase, POSTGRES_ADMIN_URL, TestDatabase } from '../support/databases';
import { ENTRYPOINT, freePort, HeraldProcess } from '../support/process';
import { PrivateRedis } from '../support/redis-server';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait';
import { SHUTDOWN_MARGIN_MS } from '@herald/platform';

/** How long readiness may take to notice: the checks' 2 s timeout, the 1 s cache, and some slack. */
const NOTICE_MS = 5_000;
/** HERALD_SHUTDOWN_TIMEOUT, short: the last test stops the process with Redis gone. */
const SHUTDOWN_TIMEOUT_MS = 2_000;

/**
 * Readiness tells the truth: a real all-in-one process on its own redis-server and on PostgreSQL behind a
 * TCP proxy. Redis is killed and restarted, the database's connections are cut and refused, and
 * `/api/v1/health` answers 503 naming the component within seconds, then 204 again by itself. Liveness
 * answers 204 throughout. (On the old code health answered 204 through all of it.)
 */
describe('health: readiness and liveness', () => {
  let redis: PrivateRedis;
  let database: TestDatabase;
  let proxy: TcpProxy;
  let herald: HeraldProcess;
  let workDir: string;
  let base: string;
  let svix: Svix;

  beforeAll(async () => {
    redis = new PrivateRedis();
    // A machine whose ports are shared out among runs can pin the private Redis's.
    redis.port = Number(process.env.HERALD_TEST_PRIVATE_REDIS_PORT) || 0;
    await redis.start();
    database = await createTestDatabase('postgres');
    const { hostname, port } = new URL(POSTGRES_ADMIN_URL);
    proxy = await new TcpProxy(`tcp://${hostname}:${port}`).start();
    const databaseUrl = new URL(database.url);
    databaseUrl.host = new URL(proxy.url).host;
    workDir = mkdtempSync(join(tmpdir(), 'herald-health-'));
    const token = `health-token-${randomBytes(8).toString('hex')}`;
    const heraldPort = await freePort();
    // Kept before it is ready, so that afterAll stops it even when it never gets there.
    herald = new HeraldProcess(
      ENTRYPOINT.allInOne,
      {
        REDIS_URL: redis.url,
        DATABASE_URL: databaseUrl.toString(),
        HERALD_PORT: String(heraldPort),
        HERALD_API_TOKEN: token,
        HERALD_SHUTDOWN_TIMEOUT: `${SHUTDOWN_TIMEOUT_MS}ms`,
      },
      workDir,
    );
    await herald.ready(60_000);
    base = `http://127.0.0.1:${heraldPort}`;
    svix = new Svix(token, { serverUrl: base });
  }, 90_000);

  afterAll(async () => {
    await herald?.stop();
    await redis?.kill();
    await proxy?.stop();
    await database?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const ready = async () => {
    const response = await fetch(`${base}/api/v1/health`);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const live = async () => (await fetch(`${base}/api/v1/health/live`)).status;

  /** Waits for readiness to answer `status`; returns the answer and how long it took. */
  const readyBecomes = async (status: number, timeoutMs = NOTICE_MS) => {
    const started = Date.now();
    const answer = await waitFor(
      `readiness to answer ${status}`,
      async () => {
        const now = await ready();
        return now.status === status ? now : undefined;
      },
      timeoutMs,
      100,
    );
    return { ...answer, tookMs: Date.now() - started };
  };

  it('answers 204 while the database and Redis answer, to fetch and to svix.health.get()', async () => {
    expect(await ready()).toEqual({ status: 204, body: undefined });
    expect(await live()).toBe(204);
    await expect(svix.health.get()).resolves.toBeUndefined();
  });

  it('answers 503 naming Redis within seconds of Redis dying, and 204 again once it is back', async () => {
    await redis.kill();
    const down = await readyBecomes(503);
    expect(down.tookMs).toBeLessThan(NOTICE_MS);
    expect(down.body).toMatchObject({
      code: 'service_unavailable',
      status: 'error',
      error: { redis: { status: 'down' } },
      info: { database: { status: 'up' } },
    });
    expect(down.body.detail).toMatch(/^Not ready: redis \(.+\) down$/);
    expect(await live()).toBe(204);
    await expect(svix.health.get()).rejects.toMatchObject({ code: 503 });

    await redis.start();
    // ioredis reconnects with a back-off of at most 2 s.
    await readyBecomes(204, 10_000);
    await expect(svix.health.get()).resolves.toBeUndefined();
  }, 60_000);

  it('answers 503 naming the database while its connections are cut and refused, and 204 again after', async () => {
    proxy.cut();
    const down = await readyBecomes(503);
    expect(down.tookMs).toBeLessThan(NOTICE_MS);
    expect(down.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } }, info: { redis: { status: 'up' } } });
    expect(down.body.detail).toMatch(/^Not ready: database/);
    expect(await live()).toBe(204);
    await expect(svix.health.get()).rejects.toMatchObject({ code: 503 });

    proxy.restore();
    await readyBecomes(204, 10_000);
    await expect(svix.health.get()).resolves.toBeUndefined();
    expect(herald.child.exitCode).toBeNull(); // the cut connections did not take the process down
  }, 60_000);

  // Last: it stops the process. On the old code the process, its Redis gone, ignored SIGTERM for good.
  it('ends on SIGTERM while Redis is down, within the shutdown timeout and its margin', async () => {
    await redis.kill();
    await readyBecomes(503);
    const started = Date.now();
    expect(await herald.stop(SHUTDOWN_TIMEOUT_MS + 15_000)).toBe(true); // by itself, not by the SIGKILL that follows the bound
    // The README's bound: the shutdown timeout and 10 s (a few seconds' slack), then exit code 1 with an error.
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SHUTDOWN_MARGIN_MS + 3_000);
    expect(herald.child.exitCode).toBe(1);
    expect(herald.stdout).toContain('shutdown did not finish within 12 s of SIGTERM');
  }, 60_000);
});
