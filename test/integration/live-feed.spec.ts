import { ApplicationService, DomainModule, EndpointService } from '@herald/domain';
import { LiveFeed } from '@herald/live';
import { REDIS_CLIENT } from '@herald/queue';
import Redis from 'ioredis';
import { startTestHerald, TestHerald } from '../support/herald';

/** The live feed on real Redis: attempts published in batches, counted, and the stream held to its bounds. */
describe('LiveFeed', () => {
  let herald: TestHerald;
  let feed: LiveFeed;
  let redis: Redis;

  beforeAll(async () => {
    herald = await startTestHerald({ apps: [DomainModule], listen: false, env: { HERALD_EVENT_MAX: '1000' } });
    feed = herald.app.get(LiveFeed, { strict: false });
    redis = herald.app.get(REDIS_CLIENT, { strict: false });
  });
  afterAll(async () => herald?.close());

  const attempt = (i: number) => ({
    appId: 'app_live',
    endpointId: `ep_live_${i % 3}`,
    msgId: `msg_live_${i}`,
    eventType: 'live.test',
    attempt: 1,
    status: 'succeeded' as const,
    responseStatusCode: 200,
    durationMs: 5,
    nextAttemptAt: null,
    timestamp: new Date().toISOString(),
  });

  it('publishes every attempt of a batch in order, counts them per endpoint, and keeps at most HERALD_EVENT_MAX events', async () => {
    const before = await redis.xlen(feed.streamKey);
    await Promise.all(Array.from({ length: 300 }, (_, i) => feed.attempt(attempt(i))));
    const events = (await feed.range('0-0', 10_000)).slice(-300);
    expect(events.map((event) => (event.data as { msgId: string }).msgId)).toEqual(Array.from({ length: 300 }, (_, i) => `msg_live_${i}`));
    expect(await redis.xlen(feed.streamKey)).toBe(before + 300);
    const totals = await feed.totals();
    expect([0, 1, 2].map((n) => totals[`ep_live_${n}`].outcomes.succeeded)).toEqual([100, 100, 100]);

    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 300 }, (_, i) => feed.attempt(attempt(300 * (round + 1) + i))));
    // Trimmed by whole stream nodes (`~`, 100 entries each): a little over the bound, far under the 3,300 sent.
    expect(await redis.xlen(feed.streamKey)).toBeLessThanOrEqual(1_100);
    expect(await redis.xlen(feed.streamKey)).toBeGreaterThanOrEqual(1_000);
  });

  it('drops the running totals of an endpoint when it, or its application, is deleted', async () => {
    const applications = herald.app.get(ApplicationService, { strict: false });
    const endpoints = herald.app.get(EndpointService, { strict: false });
    const { application } = await applications.create({ name: 'totals' });
    const [kept, deleted, ofDeletedApp] = [
      await endpoints.create(application.id, { url: 'https://example.com/kept' }),
      await endpoints.create(application.id, { url: 'https://example.com/deleted' }),
      await endpoints.create((await applications.create({ name: 'deleted' })).application.id, { url: 'https://example.com/gone' }),
    ];
    for (const endpoint of [kept, deleted, ofDeletedApp]) await feed.attempt({ ...attempt(0), appId: endpoint.appId, endpointId: endpoint.id });
    const counted = async () => Object.keys(await feed.totals());
    expect(await counted()).toEqual(expect.arrayContaining([kept.id, deleted.id, ofDeletedApp.id]));

    await endpoints.delete(application.id, deleted.id);
    await applications.delete(ofDeletedApp.appId);
    const left = await counted();
    expect(left).toContain(kept.id);
    expect(left).not.toContain(deleted.id);
    expect(left).not.toContain(ofDeletedApp.id);
  });
});
