import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Svix } from 'svix';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { ENTRYPOINT, freePort, HeraldProcess } from '../support/process';
import { Receiver } from '../support/receiver';
import { PrivateRedis } from '../support/redis-server';
import { waitFor } from '../support/wait';

/**
 * Faults on real processes (split mode on PostgreSQL, a Redis of the test's own): after each one, a local
 * receiver must get every accepted message. Counts are of unique webhook-ids; a repeat is allowed only
 * as an at-least-once retry of the same message.
 */
jest.setTimeout(150_000); // recovery after a crash waits out a lock (2 × timeout + 5 s) and a stalled check

describe('nothing accepted is lost', () => {
  const redis = new PrivateRedis();
  let database: TestDatabase;
  let receiver: Receiver;
  let admin: Svix;
  let ingest: Svix;
  let delivery: HeraldProcess;
  const processes: HeraldProcess[] = [];
  const token = `fault-token-${randomBytes(8).toString('hex')}`;
  let env: (port: number) => Record<string, string>;

  const start = async (entry: string, port = 0) => {
    const proc = new HeraldProcess(entry, env(port || (await freePort())));
    processes.push(proc);
    return proc.ready();
  };

  beforeAll(async () => {
    await redis.start();
    database = await createTestDatabase('postgres');
    receiver = await new Receiver().start();
    env = (port) => ({
      REDIS_URL: redis.url,
      DATABASE_URL: database.url,
      HERALD_API_TOKEN: token,
      HERALD_PORT: String(port),
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
      HERALD_RECONCILE_INTERVAL: '500ms',
      HERALD_DELIVERY_TIMEOUT: '1s',
      HERALD_RETRY_SCHEDULE: '0s,1s,1s,2s,2s,3s,5s,5s,5s,5s,5s,5s',
      HERALD_SHUTDOWN_TIMEOUT: '2s',
      // These faults are not the endpoint's: keep its circuit closed while every first attempt fails.
      HERALD_CIRCUIT_THRESHOLD: '1000',
      // 5 in flight per endpoint: slow endpoints take seconds to drain, so the kill below lands mid-run.
      HERALD_ENDPOINT_CONCURRENCY: '5',
    });
    const [adminPort, ingestPort] = [await freePort(), await freePort()];
    await start(ENTRYPOINT.admin, adminPort);
    await start(ENTRYPOINT.ingest, ingestPort);
    delivery = await start(ENTRYPOINT.delivery);
    admin = new Svix(token, { serverUrl: `http://127.0.0.1:${adminPort}` });
    ingest = new Svix(token, { serverUrl: `http://127.0.0.1:${ingestPort}`, retryScheduleInMs: [] });
  });

  afterAll(async () => {
    await Promise.all(processes.map((proc) => proc.stop()));
    await redis.kill();
    await receiver?.stop();
    await database?.drop();
  });

  async function appWithEndpoint(path: string, reply: Parameters<Receiver['on']>[1]) {
    const app = await admin.application.create({ name: path });
    await admin.endpoint.create(app.id, { url: receiver.on(path, reply) });
    return app;
  }

  const uniqueIds = (path: string) => new Set(receiver.at(path).map((webhook) => webhook.headers['webhook-id']));

  async function send(appId: string, count: number): Promise<Set<string>> {
    const ids = new Set<string>();
    for (let i = 0; i < count; i++) ids.add((await ingest.message.create(appId, { eventType: 'fault.test', payload: { i } })).id);
    return ids;
  }

  it('delivers everything after kill -9 of the delivery process mid-run', async () => {
    // 300 ms per response and 5 in flight per endpoint (about 17/s): deliveries lag the sends, so the kill lands mid-run.
    const app = await appWithEndpoint('/kill', { status: 200, delayMs: 300 });
    const sent = await send(app.id, 150);
    await waitFor('some deliveries before the crash', () => uniqueIds('/kill').size >= 30);
    delivery.child.kill('SIGKILL');
    await delivery.exited();
    delivery = await start(ENTRYPOINT.delivery);
    expect(uniqueIds('/kill').size).toBeLessThan(150); // the crash really was mid-run
    await waitFor('all 150 messages after the restart', () => uniqueIds('/kill').size >= 150, 100_000);
    expect(uniqueIds('/kill')).toEqual(sent);
  });

  it('delivers everything after Redis is flushed with retries pending', async () => {
    const app = await appWithEndpoint('/flush', [...Array<number>(25).fill(500), 200]);
    const sent = await send(app.id, 25);
    await waitFor('every first attempt to fail', () => receiver.at('/flush').length >= 25);
    await redis.flushAll();

    await waitFor(
      'all 25 messages delivered after the flush',
      () =>
        new Set(
          receiver
            .at('/flush')
            .slice(25)
            .map((w) => w.headers['webhook-id']),
        ).size >= 25,
      60_000,
    );
    expect(
      new Set(
        receiver
          .at('/flush')
          .slice(25)
          .map((w) => w.headers['webhook-id']),
      ),
    ).toEqual(sent);
  });

  it('accepts messages while Redis is down, and delivers them when it is back', async () => {
    const app = await appWithEndpoint('/redis-down', 200);
    await redis.kill();
    const sent = await send(app.id, 20); // every one answered 202: the database holds them
    expect(sent.size).toBe(20);
    await redis.start(); // back, and empty

    await waitFor('all 20 messages delivered', () => uniqueIds('/redis-down').size >= 20, 60_000);
    expect(uniqueIds('/redis-down')).toEqual(sent);
  });

  it('delivers everything across a PostgreSQL restart', async () => {
    const app = await appWithEndpoint('/pg-restart', { status: 200, delayMs: 500 }); // attempts still in flight when the database goes
    const sent = await send(app.id, 60);
    const version = readdirSync('/etc/postgresql').sort().at(-1)!;
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { stdio: 'ignore' });

    await waitFor('all 60 messages delivered', () => uniqueIds('/pg-restart').size >= 60, 90_000);
    expect(uniqueIds('/pg-restart')).toEqual(sent);
  });
});
