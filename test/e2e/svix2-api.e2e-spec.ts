import { randomBytes } from 'node:crypto';
import { MessageStatus, messageInRaw, Ordering, StatusCodeClass, Svix } from 'svix';
import { Svix as Svix1 } from 'svix1';
import { Webhook } from 'standardwebhooks';
import { DATABASE_KINDS } from '../support/databases';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { rejection } from '../support/svix';
import { waitFor } from '../support/wait';

/**
 * The svix SDK users install today (2.x, `npm view svix version`) against a real Herald: every method
 * Herald supports, asserting on what comes back; the fields 2.x renamed, round-tripped through 2.x and
 * 1.x alike; and the calls that must answer at once rather than hang. The 1.x SDK has its own suite
 * (svix-api.e2e-spec.ts).
 */

const RETRY_SCHEDULE = '0s,150ms,150ms';
/** Bounds every SDK call: a call that hangs fails the test instead of stalling it. */
const REQUEST_TIMEOUT_MS = 10_000;

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${++sequence}-${randomBytes(3).toString('hex')}`;
const until = <T>(what: string, check: () => T | Promise<T>) => waitFor(what, check, 10_000);

describe.each(DATABASE_KINDS)('Svix API through svix 2.x (%s)', (database) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let svix: Svix;
  let svix1: Svix1;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({ database, env: { HERALD_RETRY_SCHEDULE: RETRY_SCHEDULE } });
    svix = new Svix(herald.token, { serverUrl: herald.url, requestTimeout: REQUEST_TIMEOUT_MS });
    svix1 = new Svix1(herald.token, { serverUrl: herald.url });
  });
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  const path = (name: string) => `/${unique(name)}`;
  const newApp = (name = 'app') => svix.application.create({ name: unique(name) });

  describe('application', () => {
    it('creates, gets, upserts, patches, lists and deletes, with throttleRate', async () => {
      const uid = unique('acme');
      const app = await svix.application.create({ name: 'Acme', uid, throttleRate: 7, metadata: { tier: 'gold' } });
      expect(app).toMatchObject({ id: expect.stringMatching(/^app_/), uid, name: 'Acme', throttleRate: 7, metadata: { tier: 'gold' } });
      expect(app.createdAt).toBeInstanceOf(Date);
      expect((await svix.application.get(uid)).id).toBe(app.id);

      expect((await svix.application.getOrCreate({ name: 'ignored', uid })).id).toBe(app.id);
      const upserted = await svix.application.upsert(uid, { name: 'Acme Inc' });
      // A PUT without a uid keeps the uid, as Svix's upsert does.
      expect(upserted).toMatchObject({ id: app.id, uid, name: 'Acme Inc' });
      expect(await svix.application.patch(app.id, { throttleRate: 9 })).toMatchObject({ name: 'Acme Inc', throttleRate: 9, uid });

      const created = await svix.application.upsert(unique('new-by-put'), { name: 'By PUT' });
      expect(created.uid).toMatch(/^new-by-put/);

      const listed = await svix.application.list({ limit: 250, order: Ordering.Descending });
      expect(listed.data.map((a) => a.id)).toEqual(expect.arrayContaining([app.id, created.id]));
      await svix.application.delete(created.id);
      expect((await rejection(svix.application.get(created.id))).code).toBe(404);
    });

    it('lists only applications with endpoints when asked', async () => {
      const withEndpoint = await newApp('with');
      const without = await newApp('without');
      await svix.endpoint.create(withEndpoint.id, { url: 'https://example.com/hook' });
      const ids = (await svix.application.list({ limit: 250, excludeAppsWithNoEndpoints: true })).data.map((a) => a.id);
      expect(ids).toContain(withEndpoint.id);
      expect(ids).not.toContain(without.id);
    });
  });

  describe('renamed fields round-trip through both SDK majors', () => {
    it('endpoint eventTypes (filterTypes in 1.x) decide what is delivered, whichever SDK set them', async () => {
      const app = await newApp();
      const viaV2 = await svix.endpoint.create(app.id, { url: receiver.on(path('v2'), 200), eventTypes: ['invoice.paid'], throttleRate: 5 });
      expect(viaV2).toMatchObject({ eventTypes: ['invoice.paid'], throttleRate: 5 });
      const viaV1 = await svix1.endpoint.create(app.id, { url: receiver.on(path('v1'), 200), filterTypes: ['invoice.paid'], rateLimit: 6 });
      expect(viaV1).toMatchObject({ filterTypes: ['invoice.paid'], rateLimit: 6 });
      // Each SDK reads the other's write under its own names.
      expect(await svix.endpoint.get(app.id, viaV1.id)).toMatchObject({ eventTypes: ['invoice.paid'], throttleRate: 6 });
      expect(await svix1.endpoint.get(app.id, viaV2.id)).toMatchObject({ filterTypes: ['invoice.paid'], rateLimit: 5, throttleRate: 5 });

      await svix.message.create(app.id, { eventType: 'invoice.created', payload: {} });
      const paid = await svix.message.create(app.id, { eventType: 'invoice.paid', payload: {} });
      const received = () => receiver.received.filter((webhook) => [viaV1, viaV2].some((endpoint) => webhook.path === new URL(endpoint.url).pathname));
      await until('both endpoints got invoice.paid', () => received().length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received().map((webhook) => webhook.headers['webhook-id'])).toEqual([paid.id, paid.id]);

      const patched = await svix.endpoint.patch(app.id, viaV2.id, { eventTypes: ['invoice.paid', 'invoice.voided'] });
      expect(patched.eventTypes).toEqual(['invoice.paid', 'invoice.voided']);
      const upserted = await svix.endpoint.upsert(app.id, viaV2.id, { url: viaV2.url, eventTypes: ['a.b'] });
      expect(upserted.eventTypes).toEqual(['a.b']);
    });

    it('refuses the old and new name of one field with different values', async () => {
      const app = await newApp();
      const response = await fetch(`${herald.url}/api/v1/app/${app.id}/endpoint`, {
        method: 'POST',
        headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'https://example.com/x', eventTypes: ['a'], filterTypes: ['b'] }),
      });
      expect(response.status).toBe(422);
      expect(((await response.json()) as any).detail).toContainEqual(expect.objectContaining({ loc: ['body', 'filterTypes'] }));
    });

    it('event type featureFlags (featureFlag in 1.x) and application throttleRate (rateLimit)', async () => {
      const name = unique('flagged.event');
      const created = await svix.eventType.create({ name, description: 'Flagged', featureFlags: ['beta'] });
      expect(created.featureFlags).toEqual(['beta']);
      expect((await svix1.eventType.get(name)).featureFlag).toBe('beta');
      const old = unique('old.flag');
      await svix1.eventType.create({ name: old, description: 'Old', featureFlag: 'alpha' });
      expect((await svix.eventType.get(old)).featureFlags).toEqual(['alpha']);

      const app = await svix1.application.create({ name: 'v1', rateLimit: 3 });
      expect((await svix.application.get(app.id)).throttleRate).toBe(3);
    });
  });

  describe('event types', () => {
    it('creates, gets, upserts, patches, lists, archives and expunges', async () => {
      const name = unique('order.created');
      const schemas = { '1': { type: 'object', properties: { id: { type: 'string' } }, examples: [{ id: 'ord_1' }] } };
      expect(await svix.eventType.create({ name, description: 'An order', schemas, groupName: 'orders' })).toMatchObject({
        name,
        description: 'An order',
        schemas,
        groupName: 'orders',
      });
      expect((await svix.eventType.upsert(name, { description: 'Changed' })).description).toBe('Changed');
      expect((await svix.eventType.patch(name, { deprecated: true })).deprecated).toBe(true);
      const withContent = await svix.eventType.list({ limit: 250, withContent: true });
      expect(withContent.data.find((type) => type.name === name)).toBeDefined();
      await svix.eventType.delete(name);
      expect((await svix.eventType.get(name)).archived).toBe(true);
      expect((await svix.eventType.list({ limit: 250 })).data.map((type) => type.name)).not.toContain(name);
      await svix.eventType.delete(name, { expunge: true });
      expect((await rejection(svix.eventType.get(name))).code).toBe(404);
    });
  });

  describe('endpoints', () => {
    it('manages an endpoint, its secret, headers and stats', async () => {
      const app = await newApp();
      const endpoint = await svix.endpoint.create(app.id, {
        url: receiver.on(path('ep'), 200),
        description: 'd',
        uid: unique('ep'),
        channels: ['eu'],
        metadata: { a: 'b' },
      });
      expect(endpoint).toMatchObject({ description: 'd', channels: ['eu'], metadata: { a: 'b' }, disabled: false });
      expect((await svix.endpoint.list(app.id)).data.map((e) => e.id)).toEqual([endpoint.id]);
      expect((await svix.endpoint.get(app.id, endpoint.uid!)).id).toBe(endpoint.id);

      const { key } = await svix.endpoint.getSecret(app.id, endpoint.id);
      expect(key).toMatch(/^whsec_/);
      await svix.endpoint.rotateSecret(app.id, endpoint.id, {});
      expect((await svix.endpoint.getSecret(app.id, endpoint.id)).key).not.toBe(key);

      await svix.endpoint.setHeaders(app.id, endpoint.id, { headers: { 'x-one': '1', authorization: 'Bearer s3cret' } });
      await svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: { 'x-two': '2' }, deleteHeaders: ['x-one'] });
      expect(await svix.endpoint.getHeaders(app.id, endpoint.id)).toEqual({ headers: { 'x-two': '2' }, sensitive: ['authorization'] });

      await svix.message.create(app.id, { eventType: 'ping', payload: {}, channels: ['eu'] });
      await until('the delivery', async () => (await svix.endpoint.getStats(app.id, endpoint.id)).success === 1);
      expect(await svix.endpoint.getStats(app.id, endpoint.id)).toMatchObject({ success: 1, fail: 0, pending: 0, sending: 0, canceled: 0 });

      expect((await svix.endpoint.patch(app.id, endpoint.id, { disabled: true })).disabled).toBe(true);
      await svix.endpoint.delete(app.id, endpoint.id);
      expect((await rejection(svix.endpoint.get(app.id, endpoint.id))).code).toBe(404);
    });

    it('recovers, replays missing and bulk-replays as background tasks that can be looked up', async () => {
      const app = await newApp();
      const failing = path('failing');
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(failing, 500) });
      const since = new Date(Date.now() - 60_000);
      const message = await svix.message.create(app.id, { eventType: 'order.paid', payload: { n: 1 } });
      await until('the attempts to run out', async () => (await svix.endpoint.getStats(app.id, endpoint.id)).fail === 1);

      receiver.on(failing, 200);
      const recover = await svix.endpoint.recover(app.id, endpoint.id, { since });
      expect(recover).toMatchObject({ id: expect.stringMatching(/^qtask_/), task: 'endpoint.recover' });
      await until('the recovered delivery', async () => (await svix.endpoint.getStats(app.id, endpoint.id)).success === 1);
      const task = await svix.backgroundTask.get(recover.id);
      expect(task).toMatchObject({ id: recover.id, status: 'finished', task: 'endpoint.recover', data: { messagesSent: 1 } });

      const before = receiver.at(failing).length;
      const bulk = await svix.endpoint.bulkReplay(app.id, endpoint.id, { since, status: MessageStatus.Success });
      expect((await svix.backgroundTask.get(bulk.id)).data).toEqual({ messagesSent: 1 });
      await until('the replayed message', () => receiver.at(failing).length === before + 1);
      expect(receiver.at(failing).at(-1)!.headers['webhook-id']).toBe(message.id);
      expect(
        (await svix.backgroundTask.get((await svix.endpoint.bulkReplay(app.id, endpoint.id, { since, statusCodeClass: StatusCodeClass.CodeNone })).id)).data,
      ).toEqual({ messagesSent: 0 });

      const late = await svix.endpoint.create(app.id, { url: receiver.on(path('late'), 200) });
      const replay = await svix.endpoint.replayMissing(app.id, late.id, { since });
      expect((await svix.backgroundTask.get(replay.id)).data).toEqual({ messagesSent: 1 });

      const tasks = await svix.backgroundTask.list({ task: 'endpoint.recover' as never, limit: 250 });
      expect(tasks.data.map((t) => t.id)).toContain(recover.id);
      expect((await rejection(svix.backgroundTask.get('qtask_missing'))).code).toBe(404);
    });
  });

  describe('messages', () => {
    it('creates, gets and lists messages, with and without content, by tag and event type', async () => {
      const app = await newApp();
      const message = await svix.message.create(
        app.id,
        { eventType: 'a.b', payload: { x: 1 }, eventId: unique('evt'), tags: ['t1'], channels: ['c1'] },
        { withContent: true },
      );
      expect(message).toMatchObject({ eventType: 'a.b', payload: { x: 1 }, tags: ['t1'], channels: ['c1'] });
      expect((await svix.message.get(app.id, message.id)).payload).toEqual({}); // 2.x asks without content by default
      expect((await svix.message.get(app.id, message.eventId!, { withContent: true })).payload).toEqual({ x: 1 });
      expect((await svix.message.list(app.id, { tag: 't1', withContent: true })).data.map((m) => m.payload)).toEqual([{ x: 1 }]);
      expect((await svix.message.list(app.id, { eventTypes: ['other'] })).data).toEqual([]);
      expect((await rejection(svix.message.create(app.id, { eventType: 'a.b', payload: {}, eventId: message.eventId }))).code).toBe(409);
    });

    it('sends a raw payload byte for byte, signed over those bytes, with its content type', async () => {
      const app = await newApp();
      const at = path('raw');
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(at, 200) });
      const raw = '{"b": 2,  "a": [1,2]}\n';
      await svix.message.create(app.id, messageInRaw('raw.event', raw, 'application/json; charset=utf-8'));
      const text = 'plain text, not JSON';
      await svix.message.create(app.id, messageInRaw('raw.text', text, 'text/plain'));
      const [json, plain] = await until('both raw messages', () => (receiver.at(at).length === 2 ? receiver.at(at) : undefined));
      expect(json.body).toBe(raw);
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(plain.body).toBe(text);
      expect(plain.headers['content-type']).toBe('text/plain');
      // Signed over the bytes sent; standardwebhooks' verify() would parse the body as JSON, so compare its signature instead.
      const webhook = new Webhook((await svix.endpoint.getSecret(app.id, endpoint.id)).key);
      for (const { body, headers } of [json, plain]) {
        expect(headers['webhook-signature']).toBe(webhook.sign(headers['webhook-id'], new Date(Number(headers['webhook-timestamp']) * 1000), body));
      }
    });

    it('holds a message until deliverAt, and shows it', async () => {
      const app = await newApp();
      const at = path('later');
      await svix.endpoint.create(app.id, { url: receiver.on(at, 200) });
      const deliverAt = new Date(Date.now() + 1_500);
      const message = await svix.message.create(app.id, { eventType: 'later', payload: {}, deliverAt });
      expect(message.deliverAt?.getTime()).toBe(deliverAt.getTime());
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(receiver.at(at)).toHaveLength(0);
      const [webhook] = await until('the scheduled delivery', () => (receiver.at(at).length ? receiver.at(at) : undefined));
      expect(webhook.receivedAt).toBeGreaterThanOrEqual(deliverAt.getTime() - 50);
    });

    it('creates the application on the fly when the message names it', async () => {
      const uid = unique('on-the-fly');
      const message = await svix.message.create(uid, { eventType: 'hello', payload: {}, application: { name: 'Created by a message', uid } });
      expect((await svix.message.get(uid, message.id)).id).toBe(message.id);
      expect((await svix.application.get(uid)).name).toBe('Created by a message');
      expect((await rejection(svix.message.create(unique('nowhere'), { eventType: 'hello', payload: {} }))).code).toBe(404);
      expect(
        (await rejection(svix.message.create(unique('mismatch'), { eventType: 'x', payload: {}, application: { name: 'n', uid: 'other-uid' } }))).code,
      ).toBe(422);
    });

    it('prechecks, and expunges content one at a time, in bulk and all at once', async () => {
      const app = await newApp();
      expect((await svix.message.precheck(app.id, { eventType: 'order.paid' })).active).toBe(false);
      await svix.endpoint.create(app.id, { url: receiver.on(path('pre'), 200), eventTypes: ['order.paid'] });
      expect((await svix.message.precheck(app.id, { eventType: 'order.paid' })).active).toBe(true);
      expect((await svix.message.precheck(app.id, { eventType: 'order.created' })).active).toBe(false);

      const [one, two, three] = [
        await svix.message.create(app.id, { eventType: 'order.paid', payload: { card: '4242' } }),
        await svix.message.create(app.id, { eventType: 'order.paid', payload: { card: '1111' } }),
        await svix.message.create(app.id, { eventType: 'order.paid', payload: { card: '0000' } }),
      ];
      await svix.message.expungeContent(app.id, one.id);
      expect((await svix.message.get(app.id, one.id, { withContent: true })).payload).toEqual({});
      expect((await svix.message.get(app.id, two.id, { withContent: true })).payload).toEqual({ card: '1111' });
      expect((await svix.message.bulkExpungeContent(app.id, { ids: [two.id, 'msg_missing'] })).results).toEqual({
        [two.id]: 'expunged',
        msg_missing: 'not-found',
      });
      const all = await svix.message.expungeAllContents(app.id);
      expect((await svix.backgroundTask.get(all.id)).data).toEqual({ messagesPurged: 3 });
      expect((await svix.message.get(app.id, three.id, { withContent: true })).payload).toEqual({});
    });
  });

  describe('attempts', () => {
    it('lists by endpoint and by message with tag, status and the message, gets one, expunges its content, resends', async () => {
      const app = await newApp();
      const at = path('attempts');
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(at, { status: 200, body: 'ok from receiver' }) });
      const tagged = await svix.message.create(app.id, { eventType: 'a', payload: { n: 1 }, tags: ['vip'] });
      await svix.message.create(app.id, { eventType: 'a', payload: { n: 2 } });
      await until('two attempts', async () => (await svix.messageAttempt.listByEndpoint(app.id, endpoint.id)).data.length === 2);

      const byTag = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { tag: 'vip', withMsg: true, withContent: true });
      expect(byTag.data).toHaveLength(1);
      expect(byTag.data[0]).toMatchObject({ msgId: tagged.id, status: MessageStatus.Success, msg: { id: tagged.id, payload: { n: 1 } } });
      expect((await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { status: MessageStatus.Canceled })).data).toEqual([]);
      const byMessage = await svix.messageAttempt.listByMsg(app.id, tagged.id, { statusCodeClass: StatusCodeClass.Code2xx });
      expect(byMessage.data.map((attempt) => attempt.endpointId)).toEqual([endpoint.id]);

      const attempt = await svix.messageAttempt.get(app.id, tagged.id, byMessage.data[0].id);
      expect(attempt).toMatchObject({ response: 'ok from receiver', responseStatusCode: 200 });
      await svix.messageAttempt.expungeContent(app.id, tagged.id, attempt.id);
      expect((await svix.messageAttempt.get(app.id, tagged.id, attempt.id)).response).toBe('{}');

      const attempted = await svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id, { tag: 'vip' });
      expect(attempted.data.map((m) => [m.id, m.payload])).toEqual([[tagged.id, {}]]); // 2.x asks without content
      const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, tagged.id);
      expect(destinations.data).toEqual([expect.objectContaining({ id: endpoint.id, status: MessageStatus.Success })]);

      await svix.messageAttempt.resend(app.id, tagged.id, endpoint.id);
      await until('the resent message', () => receiver.at(at).filter((webhook) => webhook.headers['webhook-id'] === tagged.id).length === 2);
    });
  });

  describe('answers at once, never hangs', () => {
    it('health', async () => {
      await expect(svix.health.get()).resolves.toBeUndefined();
    });

    it('Svix products Herald does not offer: a Svix-shaped 404 at once', async () => {
      const started = Date.now();
      const app = await newApp();
      const calls: [string, () => Promise<unknown>][] = [
        ['streaming.stream.list', () => svix.streaming.stream.list()],
        ['streaming.stream.create', () => svix.streaming.stream.create({ name: 's' })],
        ['streaming.eventType.list', () => svix.streaming.eventType.list()],
        ['ingest.source.list', () => svix.ingest.source.list()],
        ['message.poller.poll', () => svix.message.poller.poll(app.id, 'sink_1')],
        ['endpoint.transformation.get', () => svix.endpoint.transformation.get(app.id, 'ep_1')],
        ['connector.list', () => svix.connector.list()],
      ];
      for (const [method, call] of calls) {
        const error = await rejection(call());
        expect({ method, code: error.code, body: error.body.code }).toEqual({ method, code: 404, body: 'not_supported' });
      }
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS);
    });

    it('still streams to a client that asks for an event stream on the same path', async () => {
      const response = await fetch(`${herald.url}/api/v1/stream`, { headers: { authorization: `Bearer ${herald.token}`, accept: 'text/event-stream' } });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await response.body?.cancel();
    });
  });
});
