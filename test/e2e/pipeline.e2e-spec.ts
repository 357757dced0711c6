import { Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { DATABASE_KINDS } from '../support/databases';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { sleep, waitFor } from '../support/wait';

/** Four attempts, 150 ms apart: the shape of the production schedule, fast enough for a test. */
const RETRY_SCHEDULE = '0s,150ms,150ms,150ms';

describe.each(DATABASE_KINDS)('pipeline end to end through the svix SDK (%s)', (database) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let svix: Svix;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({ database, env: { HERALD_RETRY_SCHEDULE: RETRY_SCHEDULE } });
    svix = new Svix(herald.token, { serverUrl: herald.url });
  });

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  it('delivers 100 signed messages, skips filtered event types, and addresses the app by uid', async () => {
    const app = await svix.application.create({ name: 'Shop', uid: `shop-${database}` });
    expect(app.id).toMatch(/^app_/);
    expect((await svix.application.get(`shop-${database}`)).id).toBe(app.id);

    const endpoint = await svix.endpoint.create(`shop-${database}`, {
      url: receiver.on('/orders', 200),
      eventTypes: ['order.created', 'order.paid'],
    });
    expect(endpoint.eventTypes).toEqual(['order.created', 'order.paid']);
    const { key: secret } = await svix.endpoint.getSecret(app.id, endpoint.id);

    const sent = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const message = await svix.message.create(app.id, { eventType: i % 2 ? 'order.paid' : 'order.created', payload: { order: i } });
      sent.set(message.id, i);
      if (i % 5 === 0) await svix.message.create(`shop-${database}`, { eventType: 'user.deleted', payload: { filtered: i } });
    }

    await waitFor('100 deliveries at /orders', () => receiver.at('/orders').length >= 100);
    await sleep(300); // room for a stray filtered or duplicate delivery to show up
    const deliveries = receiver.at('/orders');
    expect(deliveries).toHaveLength(100);

    const verifier = new Webhook(secret);
    const seen = new Set<number>();
    for (const delivery of deliveries) {
      const payload = verifier.verify(delivery.body, delivery.headers) as { order: number };
      expect(sent.get(delivery.headers['webhook-id'])).toBe(payload.order);
      expect(delivery.headers['content-type']).toBe('application/json');
      seen.add(payload.order);
    }
    expect(seen.size).toBe(100);
    expect(deliveries.some((d) => d.body.includes('filtered'))).toBe(false);
  });

  it('logs three attempts, with one webhook-id, for an endpoint that fails twice then succeeds', async () => {
    const app = await svix.application.create({ name: 'Flaky' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(`/flaky-${database}`, [500, 502, 200]) });
    const message = await svix.message.create(app.id, { eventType: 'ping', payload: { hello: 'world' } });

    const attempts = await waitFor('three attempts', async () => {
      const list = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
      return list.data.length === 3 ? list.data : undefined;
    });
    expect(attempts.map((a) => a.responseStatusCode)).toEqual([200, 502, 500]); // newest first
    expect(attempts.map((a) => a.statusText)).toEqual(['success', 'fail', 'fail']);
    expect(attempts.every((a) => a.msgId === message.id && a.endpointId === endpoint.id)).toBe(true);
    expect(attempts[2].response).toBe('answered 500');

    const received = receiver.at(`/flaky-${database}`);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(new Set([message.id]));
    const byMessage = await svix.messageAttempt.listByMsg(app.id, message.id);
    expect(byMessage.data).toHaveLength(3);
  });

  it('stops after the retry schedule for an endpoint that always fails', async () => {
    const app = await svix.application.create({ name: 'Down' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(`/down-${database}`, 500) });
    await svix.message.create(app.id, { eventType: 'ping', payload: {} });

    await waitFor('four attempts', () => receiver.at(`/down-${database}`).length >= 4);
    await sleep(1_000); // several schedule steps: nothing more may arrive
    expect(receiver.at(`/down-${database}`)).toHaveLength(4);
    const attempts = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
    expect(attempts.data.map((a) => a.status)).toEqual([2, 2, 2, 2]);
  });

  it('never follows a redirect: a 3xx is a failed attempt', async () => {
    const app = await svix.application.create({ name: 'Redirect' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(`/moved-${database}`, [301, 200]) });
    await svix.message.create(app.id, { eventType: 'ping', payload: {} });
    const attempts = await waitFor('two attempts', async () => {
      const list = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
      return list.data.length === 2 ? list.data : undefined;
    });
    expect(attempts.map((a) => a.responseStatusCode)).toEqual([200, 301]);
  });
});
