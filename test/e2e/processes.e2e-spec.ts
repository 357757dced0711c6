import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { deleteRedisPrefix, REDIS_URL } from '../support/herald';
import { ENTRYPOINT, freePort, HeraldProcess } from '../support/process';
import { Receiver } from '../support/receiver';
import { SseClient } from '../support/sse-client';
import { sleep, waitFor } from '../support/wait';

/** The real entrypoints as separate OS processes: what `npm start` and a split deployment run. */
describe('Herald processes', () => {
  const started: HeraldProcess[] = [];
  const run = (entry: string, env: Record<string, string>, cwd?: string) => {
    const proc = new HeraldProcess(entry, env, cwd);
    started.push(proc);
    return proc;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((proc) => proc.stop()));
  });

  describe('all-in-one (npm start)', () => {
    let workDir: string;
    const prefix = `herald-proc-${randomBytes(4).toString('hex')}`;
    beforeEach(() => (workDir = mkdtempSync(join(tmpdir(), 'herald-start-'))));
    afterEach(async () => {
      rmSync(workDir, { recursive: true, force: true });
      await deleteRedisPrefix(prefix);
    });

    /** An all-in-one with a token of its own that may deliver to loopback receivers, and the svix SDK pointed at it. */
    const startDelivering = async (settings: Record<string, string>) => {
      const port = await freePort();
      const token = `proc-token-${randomBytes(8).toString('hex')}`;
      const env = {
        REDIS_URL,
        HERALD_PORT: String(port),
        HERALD_QUEUE_PREFIX: prefix,
        HERALD_API_TOKEN: token,
        HERALD_ALLOW_PRIVATE_TARGETS: 'true',
        ...settings,
      };
      const herald = await run(ENTRYPOINT.allInOne, env, workDir).ready();
      return { env, port, herald, svix: new Svix(token, { serverUrl: `http://127.0.0.1:${port}` }) };
    };

    it('starts with only REDIS_URL and a port: SQLite file, migrations, a generated token printed once', async () => {
      const port = await freePort();
      const env = { REDIS_URL, HERALD_PORT: String(port), HERALD_QUEUE_PREFIX: prefix };
      const herald = await run(ENTRYPOINT.allInOne, env, workDir).ready();

      expect(existsSync(join(workDir, 'data', 'herald.sqlite'))).toBe(true);
      const token = readFileSync(join(workDir, 'data', 'api-token'), 'utf8').trim();
      expect(herald.stdout).toContain(`shown only this once): ${token}`);
      expect(herald.stdout).toContain(`API at http://127.0.0.1:${port}/api/v1`);
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status).toBe(204);
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/app/x`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/app/x`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);

      expect(await herald.stop()).toBe(true); // SIGTERM: a graceful exit within the bound
      expect(herald.stdout).toContain('Stopped on SIGTERM');

      const again = await run(ENTRYPOINT.allInOne, env, workDir).ready();
      expect(again.stdout).not.toContain('Generated an API token');
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/app/x`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    });

    it('finishes an attempt in flight on SIGTERM and records it exactly once', async () => {
      const receiver = await new Receiver().start();
      try {
        const { env, herald, svix } = await startDelivering({ HERALD_RECONCILE_INTERVAL: '1s' });
        const app = await svix.application.create({ name: 'SIGTERM' });
        await svix.endpoint.create(app.id, { url: receiver.on('/slow', { status: 200, delayMs: 2_000 }) });
        const message = await svix.message.create(app.id, { eventType: 'slow', payload: {} });
        await waitFor('the attempt to reach the receiver', () => receiver.at('/slow').length === 1);

        expect(await herald.stop()).toBe(true); // while the receiver still holds its answer
        await run(ENTRYPOINT.allInOne, env, workDir).ready();
        await sleep(2_500); // a reconcile or two: nothing is sent again
        expect(receiver.at('/slow')).toHaveLength(1);
        const attempts = await svix.messageAttempt.listByMsg(app.id, message.id);
        expect(attempts.data.map((attempt) => attempt.responseStatusCode)).toEqual([200]);
      } finally {
        await receiver.stop();
      }
    });

    it.each([
      ['on a worker thread of its own (the default)', 'true', ['delivery', 'main']],
      ['on the main thread with HERALD_DELIVERY_THREAD=false', 'false', ['main']],
    ])('delivers %s, its attempts counted at /metrics', async (_, thread, stoppedThreads) => {
      const receiver = await new Receiver().start();
      try {
        const { port, herald, svix } = await startDelivering({ HERALD_DELIVERY_THREAD: thread, HERALD_LOG_FORMAT: 'json' });
        const app = await svix.application.create({ name: 'Threads' });
        await svix.endpoint.create(app.id, { url: receiver.on('/hook', { status: 200 }) });
        for (let i = 0; i < 5; i++) await svix.message.create(app.id, { eventType: 'thread.test', payload: { i } });
        await waitFor('five deliveries', () => receiver.at('/hook').length === 5);

        // The delivery thread's counters reach the main thread's scrape, summed with its own.
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(metrics).toContain('herald_deliveries_total{outcome="succeeded",role="all-in-one"} 5');
        expect(metrics).toContain('herald_messages_accepted_total{role="all-in-one"} 5');

        expect(await herald.stop()).toBe(true);
        const stopped = herald.stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { msg: string; thread?: string })
          .filter((line) => line.msg.startsWith('Stopped'));
        expect(stopped.map((line) => line.thread ?? 'main').sort()).toEqual(stoppedThreads);
      } finally {
        await receiver.stop();
      }
    });

    it('says in one line that Redis is unreachable and how to start one', async () => {
      const herald = run(ENTRYPOINT.allInOne, { REDIS_URL: 'redis://127.0.0.1:1', HERALD_PORT: String(await freePort()) }, workDir);
      expect(await herald.exited()).toBe(1);
      const lines = herald.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Herald cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(.*ECONNREFUSED.*\)\. Start one, for example "redis-server/);
    });

    it('refuses a bad setting, naming the variable and what it expected', async () => {
      const herald = run(ENTRYPOINT.allInOne, { REDIS_URL, HERALD_DELIVERY_TIMEOUT: 'soon', HERALD_PORT: '99999' }, workDir);
      expect(await herald.exited()).toBe(1);
      expect(herald.stderr).toContain('HERALD_DELIVERY_TIMEOUT: expected a duration such as 500ms, 15s, 5m, 2h or 5d, got "soon"');
      expect(herald.stderr).toContain('HERALD_PORT:');
    });
  });

  describe('split mode on PostgreSQL: ingest, two delivery replicas, two admins', () => {
    let database: TestDatabase;
    let receiver: Receiver;
    const prefix = `herald-split-${randomBytes(4).toString('hex')}`;
    beforeAll(async () => {
      database = await createTestDatabase('postgres');
      receiver = await new Receiver().start();
    });
    afterAll(async () => {
      await receiver.stop();
      await database.drop();
      await deleteRedisPrefix(prefix);
    });

    it('delivers every message exactly once across the processes, and both admins stream the same events', async () => {
      const token = `split-token-${randomBytes(8).toString('hex')}`;
      const env = (port: number) => ({
        REDIS_URL,
        DATABASE_URL: database.url,
        HERALD_API_TOKEN: token,
        HERALD_QUEUE_PREFIX: prefix,
        HERALD_ALLOW_PRIVATE_TARGETS: 'true',
        HERALD_PORT: String(port),
      });
      const migrate = run(ENTRYPOINT.migrate, env(0));
      expect(await migrate.exited()).toBe(0);
      expect(migrate.stdout).toContain('Database is up to date');

      const [ingestPort, adminPort, secondAdminPort] = [await freePort(), await freePort(), await freePort()];
      await Promise.all([
        run(ENTRYPOINT.ingest, env(ingestPort)).ready(),
        run(ENTRYPOINT.admin, env(adminPort)).ready(),
        run(ENTRYPOINT.admin, env(secondAdminPort)).ready(),
        run(ENTRYPOINT.delivery, env(await freePort())).ready(),
        run(ENTRYPOINT.delivery, env(await freePort())).ready(),
      ]);

      const admin = new Svix(token, { serverUrl: `http://127.0.0.1:${adminPort}` });
      const ingest = new Svix(token, { serverUrl: `http://127.0.0.1:${ingestPort}` });
      const app = await admin.application.create({ name: 'Split', uid: 'split' });
      const endpoint = await admin.endpoint.create(app.id, { url: receiver.on('/split', 200) });
      const { key } = await admin.endpoint.getSecret(app.id, endpoint.id);
      const streams = [adminPort, secondAdminPort].map(
        (port) => new SseClient(`http://127.0.0.1:${port}/api/v1/app/${app.id}/stream`, { authorization: `Bearer ${token}` }),
      );
      await waitFor('both streams connected', () => streams.every((stream) => stream.of('connected').length));

      const ids = new Set<string>();
      for (let i = 0; i < 60; i++) ids.add((await ingest.message.create('split', { eventType: 'split.test', payload: { i } })).id);

      await waitFor('60 deliveries', () => receiver.at('/split').length >= 60);
      await sleep(300);
      const received = receiver.at('/split');
      expect(received).toHaveLength(60);
      expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(ids);
      for (const r of received) new Webhook(key).verify(r.body, r.headers);

      await waitFor('60 delivery events on both streams', () => streams.every((stream) => stream.of('delivery').length >= 60));
      const [first, second] = streams.map((stream) => stream.of('delivery'));
      expect(second).toEqual(first);
      expect(new Set(first.map((event) => event.data.msgId))).toEqual(ids);
      expect(first.every((event) => event.data.status === 'succeeded')).toBe(true);
      streams.forEach((stream) => stream.close());
    });
  });
});
