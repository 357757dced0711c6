import { Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { EndpointGate } from '@herald/domain';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { RedisCluster } from '../support/redis-cluster';
import { SseClient } from '../support/sse-client';
import { waitFor } from '../support/wait';

/**
 * Herald on a real three-node Redis Cluster (REDIS_URL=redis+cluster://…): ingest, delivery with a retry and
 * parked attempts, and the live stream. Every script and pipeline must keep its keys in one slot, or the
 * cluster answers CROSSSLOT and the step fails.
 */
describe('Herald on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let herald: TestHerald;
  let receiver: Receiver;
  let parks = 0;

  beforeAll(async () => {
    cluster = await new RedisCluster().start();
    receiver = await new Receiver().start();
    herald = await startTestHerald({
      env: { REDIS_URL: cluster.url, HERALD_ENDPOINT_CONCURRENCY: '1', HERALD_RETRY_SCHEDULE: '0s,1s', HERALD_STATS_INTERVAL: '500ms' },
    });
    // Counts parked attempts; the real method still runs.
    const gate = herald.app.get(EndpointGate, { strict: false });
    const park = gate.park.bind(gate);
    gate.park = (...args) => {
      parks++;
      return park(...args);
    };
  }, 90_000);
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
    await cluster?.stop();
  });

  it('delivers signed, retries a failure, releases parked attempts, and streams every outcome live', async () => {
    const svix = new Svix(herald.token, { serverUrl: herald.url });
    const app = await svix.application.create({ name: 'clustered' });
    const endpoints = {
      ok: await svix.endpoint.create(app.id, { url: receiver.on('/ok', 200), eventTypes: ['ok'] }),
      flaky: await svix.endpoint.create(app.id, { url: receiver.on('/flaky', [500, 200]), eventTypes: ['flaky'] }),
      // One slot per endpoint, each attempt holding it 400 ms (past the 200 ms local wait): the later ones park.
      slow: await svix.endpoint.create(app.id, { url: receiver.on('/slow', { status: 200, delayMs: 400 }), eventTypes: ['slow'] }),
    };
    const stream = new SseClient(`${herald.url}/api/v1/app/${app.id}/stream`, { authorization: `Bearer ${herald.token}` });
    await waitFor('the stream to connect', () => stream.of('connected').length === 1);

    const started = Date.now();
    for (let i = 0; i < 3; i++) await svix.message.create(app.id, { eventType: 'ok', payload: { i } });
    await svix.message.create(app.id, { eventType: 'flaky', payload: {} });
    await Promise.all([0, 1, 2, 3].map((i) => svix.message.create(app.id, { eventType: 'slow', payload: { i } })));

    await waitFor('every delivery', () => receiver.at('/ok').length === 3 && receiver.at('/flaky').length === 2 && receiver.at('/slow').length === 4, 30_000);
    // Parked attempts wait a minute unless a released slot wakes them.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(parks).toBeGreaterThan(0);
    for (const [name, endpoint] of Object.entries(endpoints)) {
      const { key } = await svix.endpoint.getSecret(app.id, endpoint.id);
      for (const webhook of receiver.at(`/${name}`)) expect(() => new Webhook(key).verify(webhook.body, webhook.headers)).not.toThrow();
    }

    await waitFor('every outcome on the stream', () => stream.of('delivery').length === 9);
    const outcomes = (endpointId: string) =>
      stream
        .of('delivery')
        .filter((event) => event.data.endpointId === endpointId)
        .map((event) => event.data.status);
    expect(outcomes(endpoints.ok.id)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(outcomes(endpoints.flaky.id)).toEqual(['retrying', 'succeeded']);
    expect(outcomes(endpoints.slow.id)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    await waitFor('a stats event counting them', () => stream.of('stats').some((event) => event.data.total.attempts === 9));
    stream.close();

    // BullMQ's keys in its one slot, the live feed's in another.
    const prefix = herald.config.queuePrefix;
    const nodesWith = (pattern: string) => [...cluster.keysByNode(pattern)].filter(([, keys]) => keys.length > 0).length;
    expect(nodesWith(`{${prefix}}:deliveries:*`)).toBe(1);
    expect(nodesWith(`${prefix}:live:{live}:*`)).toBe(1);
  });
});
