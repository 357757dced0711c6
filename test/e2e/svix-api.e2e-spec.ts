import { randomBytes } from 'node:crypto';
import { ApiException, ApplicationOut, EndpointOut, MessageAttemptTriggerType, MessageOut, MessageStatus, Ordering, Svix } from 'svix1';
import { Webhook } from 'standardwebhooks';
import { DATABASE_KINDS } from '../support/databases';
import { startTestHerald, TestHerald } from '../support/herald';
import { ReceivedWebhook, Receiver } from '../support/receiver';
import { sleep, waitFor } from '../support/wait';

/**
 * Every Svix v1 route Herald serves, driven through the official `svix` SDK against a real Herald on a
 * free port, with a real receiver. Field names, paths and query parameters are the SDK's own, so a
 * route that is not wire-compatible fails here.
 */

/** Three attempts, 150 ms apart: a failing delivery is given up on in about half a second. */
const RETRY_SCHEDULE = '0s,150ms,150ms';
/** How long to wait for something that should happen within a second or two. */
const PATIENCE_MS = 10_000;

let sequence = 0;
/** A name no other test uses (uids, event type names, receiver paths). */
const unique = (prefix: string) => `${prefix}-${++sequence}-${randomBytes(3).toString('hex')}`;

/** Waits until `check` returns something truthy, and returns it. */
const until = <T>(what: string, check: () => T | Promise<T>) => waitFor(what, check, PATIENCE_MS);

/** The ApiException a call fails with; fails the test if it succeeds or fails some other way. */
async function rejection(call: Promise<unknown>): Promise<ApiException<unknown>> {
  let result: unknown;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof ApiException) return error;
    throw error;
  }
  throw new Error(`expected the call to fail with an ApiException, but it succeeded with ${JSON.stringify(result)}`);
}

interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator?: string | null;
  done: boolean;
}

/** Every page of a list, following `iterator` until `done`. */
async function walk<T>(fetchPage: (iterator: string | undefined) => Promise<Page<T>>): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let iterator: string | undefined;
  for (;;) {
    const page = await fetchPage(iterator);
    pages.push(page);
    if (page.done) return pages;
    if (!page.iterator) throw new Error('a page with done=false came without an iterator');
    if (page.iterator === iterator) throw new Error(`the iterator did not advance (${iterator})`);
    if (pages.length > 200) throw new Error('more than 200 pages: the iterator never reaches the end');
    iterator = page.iterator;
  }
}

const idsOf = (items: { id: string }[]) => items.map((item) => item.id);
const webhookIdsOf = (received: ReceivedWebhook[]) => received.map((webhook) => webhook.headers['webhook-id']);
const timesSeen = (values: string[], value: string) => values.filter((v) => v === value).length;
const sorted = (values: string[] | null | undefined) => [...(values ?? [])].sort();
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

describe.each(DATABASE_KINDS)('Svix v1 API through the official svix SDK (%s)', (database) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let svix: Svix;

  /** A fresh receiver path, answering as told. */
  const path = (name: string) => `/${unique(name)}`;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({ database, env: { HERALD_RETRY_SCHEDULE: RETRY_SCHEDULE } });
    svix = new Svix(herald.token, { serverUrl: herald.url });
  });

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  describe('applications', () => {
    it('lists applications a page at a time: forward with iterator, back with prevIterator, both orders', async () => {
      const created: string[] = [];
      for (let i = 0; i < 7; i++) {
        created.push((await svix.application.create({ name: `Paged ${i}` })).id);
        await sleep(3); // distinct milliseconds, so creation order is id order
      }

      const forward = await walk((iterator) => svix.application.list({ limit: 3, iterator, order: Ordering.Ascending }));
      expect(forward.length).toBeGreaterThanOrEqual(3);
      forward.slice(0, -1).forEach((page) => {
        expect(page.data).toHaveLength(3);
        expect(page.done).toBe(false);
      });
      const last = forward[forward.length - 1];
      expect(last.done).toBe(true);
      expect(last.data.length).toBeGreaterThanOrEqual(1);
      expect(last.data.length).toBeLessThanOrEqual(3);

      const ascending = forward.flatMap((page) => idsOf(page.data));
      expect(new Set(ascending).size).toBe(ascending.length); // nothing returned twice
      expect(ascending).toEqual([...ascending].sort()); // ascending by id
      expect(ascending.filter((id) => created.includes(id))).toEqual(created); // each once, in creation order

      // prevIterator of page i, passed as iterator, gives page i-1 again
      for (let i = forward.length - 1; i >= 1; i--) {
        expect(forward[i].prevIterator).toEqual(expect.any(String));
        const previous = await svix.application.list({ limit: 3, iterator: forward[i].prevIterator, order: Ordering.Ascending });
        expect(idsOf(previous.data)).toEqual(idsOf(forward[i - 1].data));
      }

      const backward = await walk((iterator) => svix.application.list({ limit: 3, iterator, order: Ordering.Descending }));
      expect(backward.flatMap((page) => idsOf(page.data))).toEqual([...ascending].reverse());
    });

    it('creates an application and reads it back by id and by uid', async () => {
      const uid = unique('acme');
      const app = await svix.application.create({ name: 'Acme', uid, metadata: { tier: 'gold' } });
      expect(app.id).toMatch(/^app_/);
      expect(app).toMatchObject({ name: 'Acme', uid, metadata: { tier: 'gold' } });
      expect(app.createdAt.getTime()).not.toBeNaN();
      expect(app.updatedAt.getTime()).not.toBeNaN();

      expect(await svix.application.get(app.id)).toEqual(app);
      expect(await svix.application.get(uid)).toEqual(app);
    });

    it('getOrCreate creates an application for a new uid and returns the existing one for a known uid', async () => {
      const uid = unique('goc');
      const first = await svix.application.getOrCreate({ name: 'First', uid });
      expect(first).toMatchObject({ name: 'First', uid });

      const again = await svix.application.getOrCreate({ name: 'Second', uid });
      expect(again.id).toBe(first.id);
      expect(again.name).toBe('First'); // found, not overwritten
    });

    it('refuses a second application with a uid already taken with 409', async () => {
      const uid = unique('taken');
      const app = await svix.application.create({ name: 'Original', uid });

      const error = await rejection(svix.application.create({ name: 'Copy', uid }));
      expect(error.code).toBe(409);
      expect(error.body).toMatchObject({ code: expect.any(String), detail: expect.any(String) });
      expect((await svix.application.get(uid)).id).toBe(app.id);
      expect((await svix.application.get(uid)).name).toBe('Original');
    });

    it('update (PUT) replaces the application: fields left out are reset', async () => {
      const uid = unique('put');
      const app = await svix.application.create({ name: 'Before', uid, metadata: { stale: 'yes' } });
      await sleep(5);

      const updated = await svix.application.update(app.id, { name: 'After', uid });
      expect(updated).toMatchObject({ id: app.id, name: 'After', uid, metadata: {} });
      expect(updated.updatedAt.getTime()).toBeGreaterThan(app.updatedAt.getTime());
      expect(updated.createdAt).toEqual(app.createdAt);
      expect(await svix.application.get(app.id)).toEqual(updated);
    });

    it('update (PUT) of an unknown uid creates the application', async () => {
      const uid = unique('upsert');
      expect((await rejection(svix.application.get(uid))).code).toBe(404);

      const created = await svix.application.update(uid, { name: 'Upserted', uid, metadata: { via: 'put' } });
      expect(created.id).toMatch(/^app_/);
      expect(created).toMatchObject({ name: 'Upserted', uid, metadata: { via: 'put' } });
      expect((await svix.application.get(uid)).id).toBe(created.id);
    });

    it('patch changes only the fields it is given', async () => {
      const uid = unique('patch');
      const app = await svix.application.create({ name: 'Original', uid, metadata: { a: '1' } });

      const renamed = await svix.application.patch(app.id, { name: 'Patched' });
      expect(renamed).toMatchObject({ id: app.id, name: 'Patched', uid, metadata: { a: '1' } });

      const remeta = await svix.application.patch(uid, { metadata: { b: '2' } });
      expect(remeta).toMatchObject({ id: app.id, name: 'Patched', uid, metadata: { b: '2' } });
      expect(await svix.application.get(app.id)).toEqual(remeta);
    });

    it('delete removes the application: get answers 404, lists leave it out, and its uid is free again', async () => {
      const uid = unique('gone');
      const app = await svix.application.create({ name: 'Doomed', uid });
      await svix.application.delete(app.id);

      const byId = await rejection(svix.application.get(app.id));
      expect(byId.code).toBe(404);
      expect(byId.body).toMatchObject({ code: 'not_found', detail: expect.any(String) });
      expect((await rejection(svix.application.get(uid))).code).toBe(404);

      const all = await walk((iterator) => svix.application.list({ limit: 250, iterator }));
      expect(all.flatMap((page) => idsOf(page.data))).not.toContain(app.id);

      const reborn = await svix.application.create({ name: 'Reborn', uid });
      expect(reborn.id).not.toBe(app.id);
      expect((await svix.application.get(uid)).id).toBe(reborn.id);
    });
  });

  describe('event types', () => {
    it('creates an event type and gets it by name; a second one with the same name is 409', async () => {
      const name = unique('order.created');
      const schemas = { '1': { type: 'object', properties: { orderId: { type: 'string' } } } };
      const created = await svix.eventType.create({ name, description: 'An order was placed', schemas });
      expect(created).toMatchObject({ name, description: 'An order was placed', archived: false, deprecated: false });
      expect(created.createdAt.getTime()).not.toBeNaN();

      const fetched = await svix.eventType.get(name);
      expect(fetched).toMatchObject({ name, description: 'An order was placed', archived: false, schemas });

      expect((await rejection(svix.eventType.create({ name, description: 'again' }))).code).toBe(409);
    });

    it('update (PUT) replaces the description and flags; patch changes only the fields it is given', async () => {
      const name = unique('invoice.paid');
      await svix.eventType.create({ name, description: 'v1' });

      const updated = await svix.eventType.update(name, { description: 'v2', deprecated: true });
      expect(updated).toMatchObject({ name, description: 'v2', deprecated: true, archived: false });

      const patched = await svix.eventType.patch(name, { description: 'v3' });
      expect(patched).toMatchObject({ name, description: 'v3', deprecated: true });
      expect(await svix.eventType.get(name)).toMatchObject({ description: 'v3', deprecated: true });
    });

    it('update (PUT) of an unknown event type creates it', async () => {
      const name = unique('user.signup');
      expect((await rejection(svix.eventType.get(name))).code).toBe(404);
      const created = await svix.eventType.update(name, { description: 'made by PUT' });
      expect(created).toMatchObject({ name, description: 'made by PUT' });
      expect(await svix.eventType.get(name)).toMatchObject({ name, description: 'made by PUT' });
    });

    it('lists event types by name; delete archives one, which the list hides unless includeArchived', async () => {
      const prefix = unique('listed');
      const names = [`${prefix}.a`, `${prefix}.b`, `${prefix}.c`];
      for (const name of names) await svix.eventType.create({ name, description: name });

      const pages = await walk((iterator) => svix.eventType.list({ limit: 2, iterator }));
      const listed = pages.flatMap((page) => page.data.map((type) => type.name));
      expect(new Set(listed).size).toBe(listed.length);
      expect(listed).toEqual([...listed].sort()); // sorted by name
      expect(listed.filter((name) => name.startsWith(prefix))).toEqual(names);

      await svix.eventType.delete(names[1]);
      const visible = (await svix.eventType.list({ limit: 250 })).data.map((type) => type.name);
      expect(visible).toContain(names[0]);
      expect(visible).not.toContain(names[1]);

      const everything = (await svix.eventType.list({ limit: 250, includeArchived: true })).data;
      expect(everything.find((type) => type.name === names[1])).toMatchObject({ archived: true });
      expect(everything.find((type) => type.name === names[0])).toMatchObject({ archived: false });
      expect(await svix.eventType.get(names[1])).toMatchObject({ name: names[1], archived: true });
    });
  });

  describe('endpoints', () => {
    it('creates an endpoint with every field and reads it back by id and by uid', async () => {
      const app = await svix.application.create({ name: 'Endpoints' });
      const uid = unique('ep');
      const url = receiver.on(path('crud'), 200);
      const endpoint = await svix.endpoint.create(app.id, {
        url,
        uid,
        description: 'Orders',
        filterTypes: ['order.created', 'order.paid'],
        channels: ['eu'],
        metadata: { team: 'billing' },
      });
      expect(endpoint.id).toMatch(/^ep_/);
      expect(endpoint).toMatchObject({ url, uid, description: 'Orders', version: 1, disabled: false, metadata: { team: 'billing' } });
      expect(sorted(endpoint.filterTypes)).toEqual(['order.created', 'order.paid']);
      expect(endpoint.channels).toEqual(['eu']);
      expect(endpoint.createdAt.getTime()).not.toBeNaN();

      expect(await svix.endpoint.get(app.id, endpoint.id)).toEqual(endpoint);
      expect(await svix.endpoint.get(app.id, uid)).toEqual(endpoint);
    });

    it("lists an application's endpoints a page at a time", async () => {
      const app = await svix.application.create({ name: 'Endpoint list' });
      const created: string[] = [];
      for (let i = 0; i < 3; i++) {
        created.push((await svix.endpoint.create(app.id, { url: receiver.on(path(`list-${i}`), 200) })).id);
        await sleep(3);
      }

      const first = await svix.endpoint.list(app.id, { limit: 2, order: Ordering.Ascending });
      expect(idsOf(first.data)).toEqual(created.slice(0, 2));
      expect(first.done).toBe(false);
      const second = await svix.endpoint.list(app.id, { limit: 2, iterator: first.iterator, order: Ordering.Ascending });
      expect(idsOf(second.data)).toEqual(created.slice(2));
      expect(second.done).toBe(true);

      const other = await svix.application.create({ name: 'No endpoints' });
      expect(await svix.endpoint.list(other.id)).toMatchObject({ data: [], done: true });
    });

    it('update (PUT) replaces the endpoint; patch changes only the fields it is given', async () => {
      const app = await svix.application.create({ name: 'Endpoint updates' });
      const endpoint = await svix.endpoint.create(app.id, {
        url: receiver.on(path('put-before'), 200),
        description: 'one',
        filterTypes: ['a.b'],
        channels: ['c1'],
      });

      const newUrl = receiver.on(path('put-after'), 200);
      const updated = await svix.endpoint.update(app.id, endpoint.id, { url: newUrl });
      expect(updated).toMatchObject({ id: endpoint.id, url: newUrl, description: '', disabled: false });
      expect(updated.filterTypes ?? null).toBeNull();
      expect(updated.channels ?? null).toBeNull();

      const patched = await svix.endpoint.patch(app.id, endpoint.id, { description: 'two', filterTypes: ['x.y'] });
      expect(patched).toMatchObject({ id: endpoint.id, url: newUrl, description: 'two', filterTypes: ['x.y'] });

      const disabled = await svix.endpoint.patch(app.id, endpoint.id, { disabled: true });
      expect(disabled).toMatchObject({ url: newUrl, description: 'two', filterTypes: ['x.y'], disabled: true });
      expect(await svix.endpoint.get(app.id, endpoint.id)).toEqual(disabled);
    });

    it('delete removes the endpoint: get answers 404 and it receives no more messages', async () => {
      const app = await svix.application.create({ name: 'Endpoint delete' });
      const gonePath = path('deleted');
      const witnessPath = path('witness');
      const doomed = await svix.endpoint.create(app.id, { url: receiver.on(gonePath, 200) });
      await svix.endpoint.create(app.id, { url: receiver.on(witnessPath, 200) });

      await svix.endpoint.delete(app.id, doomed.id);
      const error = await rejection(svix.endpoint.get(app.id, doomed.id));
      expect(error.code).toBe(404);
      expect(error.body).toMatchObject({ code: 'not_found' });
      expect(idsOf((await svix.endpoint.list(app.id)).data)).not.toContain(doomed.id);

      const message = await svix.message.create(app.id, { eventType: 'after.delete', payload: {} });
      await until('the witness delivery', () => webhookIdsOf(receiver.at(witnessPath)).includes(message.id));
      await sleep(300);
      expect(receiver.at(gonePath)).toHaveLength(0);
    });

    it('keeps a secret given at creation: getSecret returns it and deliveries verify with it', async () => {
      const app = await svix.application.create({ name: 'Own secret' });
      const secret = newSecret();
      const deliveries = path('own-secret');
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(deliveries, 200), secret });
      expect((await svix.endpoint.getSecret(app.id, endpoint.id)).key).toBe(secret);

      await svix.message.create(app.id, { eventType: 'secret.check', payload: { ok: true } });
      const [delivery] = await until('the delivery', () => (receiver.at(deliveries).length ? receiver.at(deliveries) : undefined));
      expect(new Webhook(secret).verify(delivery.body, delivery.headers)).toEqual({ ok: true });
    });

    it('rotateSecret: a new secret, and the next delivery carries two signatures, one per secret', async () => {
      const app = await svix.application.create({ name: 'Rotation' });
      const deliveries = path('rotated');
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(deliveries, 200) });
      const { key: oldKey } = await svix.endpoint.getSecret(app.id, endpoint.id);
      expect(oldKey).toMatch(/^whsec_/);

      await svix.endpoint.rotateSecret(app.id, endpoint.id, {});
      const { key: newKey } = await svix.endpoint.getSecret(app.id, endpoint.id);
      expect(newKey).toMatch(/^whsec_/);
      expect(newKey).not.toBe(oldKey);

      const message = await svix.message.create(app.id, { eventType: 'rotation.check', payload: { n: 1 } });
      const [delivery] = await until('the delivery', () => (receiver.at(deliveries).length ? receiver.at(deliveries) : undefined));
      expect(delivery.headers['webhook-id']).toBe(message.id);
      const signatures = delivery.headers['webhook-signature'].split(' ');
      expect(signatures).toHaveLength(2);
      signatures.forEach((signature) => expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/));
      expect(new Webhook(oldKey).verify(delivery.body, delivery.headers)).toEqual({ n: 1 });
      expect(new Webhook(newKey).verify(delivery.body, delivery.headers)).toEqual({ n: 1 });
      expect(() => new Webhook(newSecret()).verify(delivery.body, delivery.headers)).toThrow();
    });

    it('rotateSecret with a key makes that key the secret', async () => {
      const app = await svix.application.create({ name: 'Rotation to a key' });
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(path('rotate-key'), 200) });
      const key = newSecret();
      await svix.endpoint.rotateSecret(app.id, endpoint.id, { key });
      expect((await svix.endpoint.getSecret(app.id, endpoint.id)).key).toBe(key);
    });

    it('custom headers: set at creation, replaced by updateHeaders, merged by patchHeaders, and sent with every delivery', async () => {
      const app = await svix.application.create({ name: 'Headers' });
      const deliveries = path('headers');
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(deliveries, 200), headers: { 'x-from-create': 'yes' } });
      expect((await svix.endpoint.getHeaders(app.id, endpoint.id)).headers).toEqual({ 'x-from-create': 'yes' });

      await svix.endpoint.updateHeaders(app.id, endpoint.id, { headers: { 'x-tenant': 'acme', 'x-region': 'eu' } });
      const replaced = await svix.endpoint.getHeaders(app.id, endpoint.id);
      expect(replaced.headers).toEqual({ 'x-tenant': 'acme', 'x-region': 'eu' });
      expect(replaced.sensitive).toEqual([]);

      await svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: { 'x-region': 'us', 'x-trace': 'on' } });
      expect((await svix.endpoint.getHeaders(app.id, endpoint.id)).headers).toEqual({ 'x-tenant': 'acme', 'x-region': 'us', 'x-trace': 'on' });

      await svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: {}, deleteHeaders: ['x-trace'] });
      expect((await svix.endpoint.getHeaders(app.id, endpoint.id)).headers).toEqual({ 'x-tenant': 'acme', 'x-region': 'us' });

      const message = await svix.message.create(app.id, { eventType: 'headers.check', payload: {} });
      const [delivery] = await until('the delivery', () => (receiver.at(deliveries).length ? receiver.at(deliveries) : undefined));
      expect(delivery.headers).toMatchObject({ 'x-tenant': 'acme', 'x-region': 'us', 'webhook-id': message.id, 'content-type': 'application/json' });
      expect(delivery.headers['x-trace']).toBeUndefined();
      expect(delivery.headers['x-from-create']).toBeUndefined();
    });

    it('hides sensitive header values from getHeaders but still sends them', async () => {
      const app = await svix.application.create({ name: 'Sensitive headers' });
      const deliveries = path('sensitive');
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(deliveries, 200) });
      await svix.endpoint.updateHeaders(app.id, endpoint.id, { headers: { authorization: 'Bearer s3cret', 'x-plain': 'visible' } });

      const shown = await svix.endpoint.getHeaders(app.id, endpoint.id);
      expect(shown.headers).toEqual({ 'x-plain': 'visible' });
      expect(shown.sensitive).toEqual(['authorization']);

      await svix.message.create(app.id, { eventType: 'sensitive.check', payload: {} });
      const [delivery] = await until('the delivery', () => (receiver.at(deliveries).length ? receiver.at(deliveries) : undefined));
      expect(delivery.headers).toMatchObject({ authorization: 'Bearer s3cret', 'x-plain': 'visible' });
    });

    it('refuses reserved header names (webhook-*, content-type, host) with 422 and keeps the headers it had', async () => {
      const app = await svix.application.create({ name: 'Reserved headers' });
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(path('reserved'), 200) });
      await svix.endpoint.updateHeaders(app.id, endpoint.id, { headers: { 'x-kept': '1' } });

      for (const name of ['webhook-id', 'webhook-signature', 'content-type', 'host']) {
        const put = await rejection(svix.endpoint.updateHeaders(app.id, endpoint.id, { headers: { [name]: 'forged' } }));
        expect({ name, status: put.code }).toEqual({ name, status: 422 });
        const patch = await rejection(svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: { [name]: 'forged' } }));
        expect({ name, status: patch.code }).toEqual({ name, status: 422 });
      }
      expect((await svix.endpoint.getHeaders(app.id, endpoint.id)).headers).toEqual({ 'x-kept': '1' });
    });

    it('a disabled endpoint receives nothing until it is enabled again', async () => {
      const app = await svix.application.create({ name: 'Disabled' });
      const offPath = path('disabled');
      const witnessPath = path('enabled-witness');
      const off = await svix.endpoint.create(app.id, { url: receiver.on(offPath, 200), disabled: true });
      expect(off.disabled).toBe(true);
      await svix.endpoint.create(app.id, { url: receiver.on(witnessPath, 200) });

      const skipped = await svix.message.create(app.id, { eventType: 'disabled.check', payload: { n: 1 } });
      await until('the witness delivery', () => webhookIdsOf(receiver.at(witnessPath)).includes(skipped.id));
      await sleep(300);
      expect(receiver.at(offPath)).toHaveLength(0);

      await svix.endpoint.patch(app.id, off.id, { disabled: false });
      const delivered = await svix.message.create(app.id, { eventType: 'disabled.check', payload: { n: 2 } });
      await until('the delivery to the re-enabled endpoint', () => receiver.at(offPath).length >= 1);
      await sleep(200);
      expect(webhookIdsOf(receiver.at(offPath))).toEqual([delivered.id]);
    });

    it('recover re-sends the messages that failed since the given time, and only those', async () => {
      const since = new Date(Date.now() - 1_000);
      const app = await svix.application.create({ name: 'Recover' });
      const deliveries = path('recover');
      receiver.on(deliveries, 200);
      const endpoint = await svix.endpoint.create(app.id, { url: `${receiver.url}${deliveries}` });

      const succeeded = await svix.message.create(app.id, { eventType: 'recover.check', payload: { n: 0 } });
      await until('the first delivery', () => webhookIdsOf(receiver.at(deliveries)).includes(succeeded.id));

      receiver.on(deliveries, 500);
      const failed = await svix.message.create(app.id, { eventType: 'recover.check', payload: { n: 1 } });
      await until('three failed attempts', () => timesSeen(webhookIdsOf(receiver.at(deliveries)), failed.id) === 3);
      await until('the delivery given up as failed', async () => (await svix.endpoint.getStats(app.id, endpoint.id)).fail === 1);

      receiver.on(deliveries, 200);
      const task = await svix.endpoint.recover(app.id, endpoint.id, { since });
      expect(task.id).toEqual(expect.any(String));
      expect(task.task).toBe('endpoint.recover');
      expect(['running', 'finished']).toContain(task.status);

      await until('the recovered delivery', () => timesSeen(webhookIdsOf(receiver.at(deliveries)), failed.id) === 4);
      await sleep(300);
      const ids = webhookIdsOf(receiver.at(deliveries));
      expect(timesSeen(ids, failed.id)).toBe(4);
      expect(timesSeen(ids, succeeded.id)).toBe(1); // a success is not re-sent
      const [latest] = (await svix.messageAttempt.listByMsg(app.id, failed.id)).data;
      expect(latest).toMatchObject({ status: MessageStatus.Success, responseStatusCode: 200 });
    });

    it('replayMissing sends the messages never attempted to the endpoint, and not the ones it already got', async () => {
      const since = new Date(Date.now() - 1_000);
      const app = await svix.application.create({ name: 'Replay' });
      const beforeEndpoint = await svix.message.create(app.id, { eventType: 'replay.paid', payload: { n: 1 } });

      const deliveries = path('replay');
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(deliveries, 200), filterTypes: ['replay.created'] });
      const filteredOut = await svix.message.create(app.id, { eventType: 'replay.paid', payload: { n: 2 } });
      const delivered = await svix.message.create(app.id, { eventType: 'replay.created', payload: { n: 3 } });
      await until('the matching delivery', () => webhookIdsOf(receiver.at(deliveries)).includes(delivered.id));
      await sleep(200);
      expect(webhookIdsOf(receiver.at(deliveries))).toEqual([delivered.id]);

      await svix.endpoint.patch(app.id, endpoint.id, { filterTypes: ['replay.created', 'replay.paid'] });
      const task = await svix.endpoint.replayMissing(app.id, endpoint.id, { since });
      expect(task.id).toEqual(expect.any(String));
      expect(task.task).toBe('endpoint.replay');

      await until('the replayed deliveries', () => receiver.at(deliveries).length >= 3);
      await sleep(300);
      expect(sorted(webhookIdsOf(receiver.at(deliveries)))).toEqual(sorted([beforeEndpoint.id, filteredOut.id, delivered.id]));
    });

    it("getStats counts the endpoint's deliveries by status", async () => {
      const app = await svix.application.create({ name: 'Stats' });
      const deliveries = path('stats');
      // the first two requests succeed, every later one fails: two messages succeed, the third exhausts its schedule
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(deliveries, [200, 200, 500]) });
      expect(await svix.endpoint.getStats(app.id, endpoint.id)).toMatchObject({ success: 0, fail: 0, pending: 0, sending: 0 });

      for (let i = 0; i < 3; i++) await svix.message.create(app.id, { eventType: 'stats.check', payload: { i } });
      await until('five requests', () => receiver.at(deliveries).length >= 5);
      const stats = await until('two successes and one failure', async () => {
        const current = await svix.endpoint.getStats(app.id, endpoint.id);
        return current.success === 2 && current.fail === 1 ? current : undefined;
      });
      expect(stats).toMatchObject({ success: 2, fail: 1, pending: 0, sending: 0 });
    });
  });

  describe('messages', () => {
    it("lists an application's messages newest first, a page at a time, with prevIterator going back", async () => {
      const app = await svix.application.create({ name: 'Message list' });
      const sent: MessageOut[] = [];
      for (let i = 0; i < 5; i++) {
        sent.push(await svix.message.create(app.id, { eventType: 'list.item', payload: { i } }));
        await sleep(3);
      }
      const newestFirst = idsOf(sent).reverse();

      const first = await svix.message.list(app.id, { limit: 2 });
      expect(idsOf(first.data)).toEqual(newestFirst.slice(0, 2));
      expect(first.done).toBe(false);
      expect(first.data[0]).toMatchObject({ eventType: 'list.item', payload: { i: 4 } });
      expect(first.data[0].timestamp.getTime()).not.toBeNaN();

      const second = await svix.message.list(app.id, { limit: 2, iterator: first.iterator });
      expect(idsOf(second.data)).toEqual(newestFirst.slice(2, 4));
      expect(second.done).toBe(false);
      const third = await svix.message.list(app.id, { limit: 2, iterator: second.iterator });
      expect(idsOf(third.data)).toEqual(newestFirst.slice(4));
      expect(third.done).toBe(true);

      const back = await svix.message.list(app.id, { limit: 2, iterator: second.prevIterator });
      expect(idsOf(back.data)).toEqual(idsOf(first.data));
    });

    it('filters the message list by eventTypes, channel, before and after', async () => {
      const app = await svix.application.create({ name: 'Message filters' });
      const a = await svix.message.create(app.id, { eventType: 'filter.a', payload: { n: 1 }, channels: ['ch-one'] });
      await sleep(30);
      const boundary = new Date();
      await sleep(30);
      const b = await svix.message.create(app.id, { eventType: 'filter.b', payload: { n: 2 }, channels: ['ch-two'] });
      await sleep(3);
      const c = await svix.message.create(app.id, { eventType: 'filter.a', payload: { n: 3 }, channels: ['ch-two', 'ch-one'] });

      const list = async (options: Parameters<Svix['message']['list']>[1]) => idsOf((await svix.message.list(app.id, options)).data);
      expect(await list({})).toEqual([c.id, b.id, a.id]);
      expect(await list({ eventTypes: ['filter.a'] })).toEqual([c.id, a.id]);
      expect(await list({ eventTypes: ['filter.a', 'filter.b'] })).toEqual([c.id, b.id, a.id]);
      expect(await list({ channel: 'ch-two' })).toEqual([c.id, b.id]);
      expect(await list({ channel: 'ch-one' })).toEqual([c.id, a.id]);
      expect(await list({ before: boundary })).toEqual([a.id]);
      expect(await list({ after: boundary })).toEqual([c.id, b.id]);
      expect(await list({ after: boundary, eventTypes: ['filter.b'] })).toEqual([b.id]);
    });

    it('withContent: false leaves the payload out of list and get', async () => {
      const app = await svix.application.create({ name: 'Message content' });
      const message = await svix.message.create(app.id, { eventType: 'content.check', payload: { card: '4242' } });

      expect((await svix.message.list(app.id)).data[0].payload).toEqual({ card: '4242' });
      expect((await svix.message.list(app.id, { withContent: false })).data[0].payload).toEqual({});
      expect((await svix.message.get(app.id, message.id)).payload).toEqual({ card: '4242' });
      expect((await svix.message.get(app.id, message.id, { withContent: false })).payload).toEqual({});
    });

    it('gets a message by id and by eventId; a second message with the same eventId is 409', async () => {
      const app = await svix.application.create({ name: 'Event ids' });
      const eventId = unique('evt');
      const message = await svix.message.create(app.id, { eventType: 'evt.check', payload: { first: true }, eventId });
      expect(message.id).toMatch(/^msg_/);
      expect(message.eventId).toBe(eventId);

      const byId = await svix.message.get(app.id, message.id);
      expect(byId).toMatchObject({ id: message.id, eventId, eventType: 'evt.check', payload: { first: true } });
      expect(byId.timestamp).toEqual(message.timestamp);
      expect((await svix.message.get(app.id, eventId)).id).toBe(message.id);

      const duplicate = await rejection(svix.message.create(app.id, { eventType: 'evt.check', payload: { first: false }, eventId }));
      expect(duplicate.code).toBe(409);
      expect(idsOf((await svix.message.list(app.id)).data)).toEqual([message.id]);
    });

    it('an idempotency key answers a repeat with the first response, and a different body with 422', async () => {
      const app = await svix.application.create({ name: 'Idempotency' });
      const idempotencyKey = unique('idem');
      const body = { eventType: 'idem.check', payload: { n: 1 } };

      const first = await svix.message.create(app.id, body, { idempotencyKey });
      const repeat = await svix.message.create(app.id, body, { idempotencyKey });
      expect(repeat.id).toBe(first.id);
      expect(repeat.timestamp).toEqual(first.timestamp);
      expect(idsOf((await svix.message.list(app.id)).data)).toEqual([first.id]);

      const changed = await rejection(svix.message.create(app.id, { eventType: 'idem.check', payload: { n: 2 } }, { idempotencyKey }));
      expect(changed.code).toBe(422);
      expect(idsOf((await svix.message.list(app.id)).data)).toEqual([first.id]);

      const otherKey = await svix.message.create(app.id, body, { idempotencyKey: unique('idem') });
      expect(otherKey.id).not.toBe(first.id);
    });
  });

  describe('message attempts', () => {
    // One endpoint answering 500 then 200: `first` fails once then succeeds; `second`, sent after `boundary`, succeeds at once.
    let app: ApplicationOut;
    let endpoint: EndpointOut;
    let first: MessageOut;
    let second: MessageOut;
    let boundary: Date;
    let secret: string;
    let deliveries: string;

    beforeAll(async () => {
      app = await svix.application.create({ name: 'Attempts' });
      deliveries = path('attempts');
      endpoint = await svix.endpoint.create(app.id, { url: receiver.on(deliveries, [500, 200]) });
      secret = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;

      first = await svix.message.create(app.id, { eventType: 'attempt.first', payload: { n: 1 } });
      await until('both attempts of the first message recorded', async () => (await svix.messageAttempt.listByMsg(app.id, first.id)).data.length === 2);
      await sleep(30);
      boundary = new Date();
      await sleep(30);
      second = await svix.message.create(app.id, { eventType: 'attempt.second', payload: { n: 2 } });
      await until('the attempt of the second message recorded', async () => (await svix.messageAttempt.listByMsg(app.id, second.id)).data.length === 1);
    });

    it('listByEndpoint returns every attempt newest first, and filters by status, eventTypes, before and after', async () => {
      const summary = (list: { data: { msgId: string; responseStatusCode: number; status: MessageStatus }[] }) =>
        list.data.map((attempt) => [attempt.msgId, attempt.responseStatusCode, attempt.status]);

      const all = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
      expect(summary(all)).toEqual([
        [second.id, 200, MessageStatus.Success],
        [first.id, 200, MessageStatus.Success],
        [first.id, 500, MessageStatus.Fail],
      ]);
      expect(all.done).toBe(true);
      for (const attempt of all.data) {
        expect(attempt.id).toMatch(/^atmpt_/);
        expect(attempt).toMatchObject({ endpointId: endpoint.id, url: endpoint.url, triggerType: MessageAttemptTriggerType.Scheduled });
      }
      expect(all.data.map((attempt) => attempt.statusText)).toEqual(['success', 'success', 'fail']);

      const fail = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { status: MessageStatus.Fail });
      expect(summary(fail)).toEqual([[first.id, 500, MessageStatus.Fail]]);
      const success = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { status: MessageStatus.Success });
      expect(summary(success)).toEqual([
        [second.id, 200, MessageStatus.Success],
        [first.id, 200, MessageStatus.Success],
      ]);
      const byType = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { eventTypes: ['attempt.second'] });
      expect(summary(byType)).toEqual([[second.id, 200, MessageStatus.Success]]);
      const before = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { before: boundary });
      expect(summary(before)).toEqual([
        [first.id, 200, MessageStatus.Success],
        [first.id, 500, MessageStatus.Fail],
      ]);
      const after = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { after: boundary });
      expect(summary(after)).toEqual([[second.id, 200, MessageStatus.Success]]);

      const page1 = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { limit: 2 });
      expect(idsOf(page1.data)).toEqual(idsOf(all.data).slice(0, 2));
      expect(page1.done).toBe(false);
      const page2 = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { limit: 2, iterator: page1.iterator });
      expect(idsOf(page2.data)).toEqual(idsOf(all.data).slice(2));
      expect(page2.done).toBe(true);
    });

    it("listByMsg returns one message's attempts newest first, and filters by status, before and after", async () => {
      const codes = (list: { data: { responseStatusCode: number; msgId: string }[] }) =>
        list.data.map((attempt) => `${attempt.msgId === first.id ? 'first' : attempt.msgId}:${attempt.responseStatusCode}`);

      expect(codes(await svix.messageAttempt.listByMsg(app.id, first.id))).toEqual(['first:200', 'first:500']);
      expect(codes(await svix.messageAttempt.listByMsg(app.id, first.id, { status: MessageStatus.Fail }))).toEqual(['first:500']);
      expect(codes(await svix.messageAttempt.listByMsg(app.id, first.id, { status: MessageStatus.Success }))).toEqual(['first:200']);
      expect(codes(await svix.messageAttempt.listByMsg(app.id, first.id, { before: boundary }))).toEqual(['first:200', 'first:500']);
      expect(codes(await svix.messageAttempt.listByMsg(app.id, first.id, { after: boundary }))).toEqual([]);
      expect(codes(await svix.messageAttempt.listByMsg(app.id, first.id, { endpointId: endpoint.id }))).toEqual(['first:200', 'first:500']);
    });

    it('get returns one attempt, the same as in the list', async () => {
      const [latest, earliest] = (await svix.messageAttempt.listByMsg(app.id, first.id)).data;
      expect(await svix.messageAttempt.get(app.id, first.id, latest.id)).toEqual(latest);
      const failed = await svix.messageAttempt.get(app.id, first.id, earliest.id);
      expect(failed).toMatchObject({
        id: earliest.id,
        msgId: first.id,
        endpointId: endpoint.id,
        status: MessageStatus.Fail,
        responseStatusCode: 500,
        response: 'answered 500',
      });

      expect((await rejection(svix.messageAttempt.get(app.id, first.id, 'atmpt_doesnotexist'))).code).toBe(404);
    });

    it('keeps the response headers of each attempt (a Herald addition the Svix SDK does not read)', async () => {
      const [latest] = (await svix.messageAttempt.listByMsg(app.id, first.id)).data;
      const response = await fetch(`${herald.url}/api/v1/app/${app.id}/msg/${first.id}/attempt/${latest.id}`, {
        headers: { authorization: `Bearer ${herald.token}` },
      });
      const attempt: any = await response.json();
      expect(attempt.responseHeaders).toMatchObject({ 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    });

    it("listAttemptedMessages lists the endpoint's messages with their delivery status", async () => {
      const list = await svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id);
      expect(list.data.map((message) => ({ id: message.id, eventType: message.eventType, status: message.status, statusText: message.statusText }))).toEqual([
        { id: second.id, eventType: 'attempt.second', status: MessageStatus.Success, statusText: 'success' },
        { id: first.id, eventType: 'attempt.first', status: MessageStatus.Success, statusText: 'success' },
      ]);
      expect(list.data[1].payload).toEqual({ n: 1 });

      const byType = await svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id, { eventTypes: ['attempt.first'] });
      expect(idsOf(byType.data)).toEqual([first.id]);
      const failed = await svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id, { status: MessageStatus.Fail });
      expect(failed.data).toEqual([]);
    });

    it('listAttemptedDestinations lists the endpoints a message was sent to, with its status there', async () => {
      const list = await svix.messageAttempt.listAttemptedDestinations(app.id, first.id);
      expect(list.data).toHaveLength(1);
      expect(list.data[0]).toMatchObject({ id: endpoint.id, url: endpoint.url, status: MessageStatus.Success, statusText: 'success' });
      expect(list.done).toBe(true);
    });

    it('resend delivers the message again with the same webhook-id, recorded as a manual attempt', async () => {
      const earlier = receiver.at(deliveries).length;
      await svix.messageAttempt.resend(app.id, first.id, endpoint.id);

      const resent = await until('the resent delivery', () => receiver.at(deliveries)[earlier]);
      expect(resent.headers['webhook-id']).toBe(first.id);
      expect(new Webhook(secret).verify(resent.body, resent.headers)).toEqual({ n: 1 });

      const attempts = await until('a third attempt of the first message', async () => {
        const list = await svix.messageAttempt.listByMsg(app.id, first.id);
        return list.data.length === 3 ? list.data : undefined;
      });
      expect(attempts.map((attempt) => attempt.triggerType)).toEqual([
        MessageAttemptTriggerType.Manual,
        MessageAttemptTriggerType.Scheduled,
        MessageAttemptTriggerType.Scheduled,
      ]);
      expect(attempts[0]).toMatchObject({ status: MessageStatus.Success, responseStatusCode: 200, endpointId: endpoint.id });
      await sleep(200);
      expect(receiver.at(deliveries)).toHaveLength(earlier + 1);
    });
  });
});
