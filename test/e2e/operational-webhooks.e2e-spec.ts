import { randomBytes } from 'node:crypto';
import { createServer, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Svix } from 'svix';
import { Svix as Svix1 } from 'svix1';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { MessageAttempt, OPERATIONAL_APP_ID } from '@herald/persistence';
import { DATABASE_KINDS } from '../support/databases';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver, ReceivedWebhook } from '../support/receiver';
import { rejection } from '../support/svix';
import { sleep, waitFor } from '../support/wait';

/**
 * Operational webhooks end to end: the endpoints managed through the svix 2.5.0 SDK (and 1.x's field names), the
 * events Herald sends them, checked by a real receiver with the standardwebhooks library, from real deliveries
 * to real failing endpoints. Six attempts 100 ms apart, so `message.attempt.failing` (the fourth failure) and
 * `exhausted` come within a second or so; endpoints are disabled after 6 s of failure; no circuit breaker in the way.
 */
const RETRY_SCHEDULE = '0s,100ms,100ms,100ms,100ms,100ms';
/** Long enough that no other test's failing endpoint is disabled before its schedule runs out, on a loaded machine too. */
const DISABLE_AFTER_MS = 6_000;

interface OperationalEvent {
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${++sequence}-${randomBytes(3).toString('hex')}`;

/**
 * An endpoint that answers 500 at once; after `holdNext()`, it holds the next `count` requests until all of them
 * have arrived, then answers them together: failures that are concurrent for certain.
 */
async function holdingServer(count: number) {
  let holding = false;
  let waiting: ServerResponse[] = [];
  let released = 0;
  const server = createServer((req, res) => {
    req.resume();
    if (!holding) return void res.writeHead(500).end('down');
    waiting.push(res);
    if (waiting.length < count) return;
    for (const held of waiting) held.writeHead(500).end('down');
    released += waiting.length;
    waiting = [];
    holding = false;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    holdNext: () => void (holding = true),
    get released() {
      return released;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.each(DATABASE_KINDS)('operational webhooks (%s)', (database) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let svix: Svix;
  /** The operational endpoint that takes every event, and its secret. */
  let everything: { id: string; path: string; secret: string };

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({
      database,
      env: { HERALD_RETRY_SCHEDULE: RETRY_SCHEDULE, HERALD_DISABLE_AFTER: `${DISABLE_AFTER_MS}ms`, HERALD_CIRCUIT_THRESHOLD: '10000' },
    });
    svix = new Svix(herald.token, { serverUrl: herald.url, requestTimeout: 10_000 });
    const path = `/${unique('ops')}`;
    const endpoint = await svix.operationalWebhook.endpoint.create({ url: receiver.on(path, 200) });
    everything = { id: endpoint.id, path, secret: (await svix.operationalWebhook.endpoint.getSecret(endpoint.id)).key };
  });
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  /** Every event at `path`, each verified with `secret` (a bad signature throws). */
  const verified = (path: string, secret: string): OperationalEvent[] =>
    receiver.at(path).map((webhook: ReceivedWebhook) => new Webhook(secret).verify(webhook.body, webhook.headers) as OperationalEvent);
  /** The events the catch-all operational endpoint got about `about` (an endpoint id or a message id). */
  const eventsAbout = (about: string) =>
    verified(everything.path, everything.secret).filter((event) => event.data.endpointId === about || event.data.msgId === about);
  const typesAbout = (about: string) => eventsAbout(about).map((event) => event.type);
  const until = <T>(what: string, check: () => T | Promise<T>) => waitFor(what, check, 30_000);
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${herald.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  describe('endpoints through the svix 2.5.0 SDK', () => {
    it('creates with Svix defaults, gets by id and uid, lists, upserts and deletes', async () => {
      const api = svix.operationalWebhook.endpoint;
      const bare = await api.create({ url: 'https://ops.example.com/hooks' });
      expect(bare).toMatchObject({ id: expect.stringMatching(/^ep_/), url: 'https://ops.example.com/hooks', description: '', disabled: false, metadata: {} });
      expect(bare.eventTypes).toBeUndefined();
      expect(bare.throttleRate).toBeUndefined();
      expect(bare.createdAt).toBeInstanceOf(Date);
      expect((bare as unknown as Record<string, unknown>).version).toBeUndefined();
      expect((await api.getSecret(bare.id)).key).toMatch(/^whsec_[A-Za-z0-9+/=]{32,}$/);

      const uid = unique('pager');
      const full = await api.create({
        url: 'https://ops.example.com/pager',
        uid,
        description: 'pager',
        eventTypes: ['endpoint.disabled', 'message.attempt.exhausted'],
        throttleRate: 10,
        metadata: { team: 'sre' },
        disabled: true,
      });
      expect(full).toMatchObject({
        uid,
        description: 'pager',
        eventTypes: ['endpoint.disabled', 'message.attempt.exhausted'],
        throttleRate: 10,
        disabled: true,
      });
      expect((await api.get(uid)).id).toBe(full.id);
      expect((await api.get(full.id)).metadata).toEqual({ team: 'sre' });

      const listed = await api.list({ limit: 250 });
      expect(listed.data.map((endpoint) => endpoint.id)).toEqual(expect.arrayContaining([everything.id, bare.id, full.id]));

      const updated = await api.upsert(uid, { url: 'https://ops.example.com/pager2', eventTypes: ['endpoint.disabled'] });
      // A PUT replaces the settings (what it leaves out goes back to its default) and keeps the uid.
      expect(updated).toMatchObject({
        id: full.id,
        uid,
        url: 'https://ops.example.com/pager2',
        eventTypes: ['endpoint.disabled'],
        disabled: false,
        description: '',
      });
      expect(updated.throttleRate).toBeUndefined();
      const newUid = unique('by-put');
      const created = await api.upsert(newUid, { url: 'https://ops.example.com/put' });
      expect(created).toMatchObject({ uid: newUid, url: 'https://ops.example.com/put' });

      for (const id of [bare.id, full.id, created.id]) await api.delete(id);
      expect((await rejection(api.get(full.id))).code).toBe(404);
      expect((await rejection(api.delete(full.id))).code).toBe(404);
    });

    it('rotates the secret to a generated one or a given one, and refuses a malformed one', async () => {
      const api = svix.operationalWebhook.endpoint;
      const endpoint = await api.create({ url: 'https://ops.example.com/rotate' });
      const first = (await api.getSecret(endpoint.id)).key;
      await api.rotateSecret(endpoint.id);
      const second = (await api.getSecret(endpoint.id)).key;
      expect(second).toMatch(/^whsec_/);
      expect(second).not.toBe(first);
      const chosen = `whsec_${randomBytes(32).toString('base64')}`;
      await api.rotateSecret(endpoint.id, { key: chosen, gracePeriodSeconds: 0 });
      expect((await api.getSecret(endpoint.id)).key).toBe(chosen);
      expect((await rejection(api.rotateSecret(endpoint.id, { key: 'not-a-secret' }))).code).toBe(422);
      await api.delete(endpoint.id);
    });

    it('sets and gets headers, hiding sensitive values', async () => {
      const api = svix.operationalWebhook.endpoint;
      const endpoint = await api.create({ url: 'https://ops.example.com/headers', headers: { 'x-first': '1' } });
      expect(await api.getHeaders(endpoint.id)).toEqual({ headers: { 'x-first': '1' }, sensitive: [] });
      await api.setHeaders(endpoint.id, { headers: { 'x-team': 'sre', authorization: 'Bearer s3cret' } });
      expect(await api.getHeaders(endpoint.id)).toEqual({ headers: { 'x-team': 'sre' }, sensitive: ['authorization'] });
      expect((await rejection(api.setHeaders(endpoint.id, { headers: { 'webhook-id': 'x' } }))).code).toBe(422);
      await api.delete(endpoint.id);
    });

    it("answers Svix 1.x's field names (filterTypes, rateLimit) too", async () => {
      const svix1 = new Svix1(herald.token, { serverUrl: herald.url });
      const endpoint = await svix1.operationalWebhook.endpoint.create({ url: 'https://ops.example.com/v1', filterTypes: ['endpoint.created'], rateLimit: 5 });
      expect(endpoint).toMatchObject({ filterTypes: ['endpoint.created'], rateLimit: 5 });
      expect(await svix.operationalWebhook.endpoint.get(endpoint.id)).toMatchObject({ eventTypes: ['endpoint.created'], throttleRate: 5 });
      await svix.operationalWebhook.endpoint.delete(endpoint.id);
    });

    it("answers errors in Herald's { code, detail } shape", async () => {
      const base = '/api/v1/operational-webhook/endpoint';
      const invalid = await call(herald.token, 'POST', base, { url: 'ftp://nope', eventTypes: [] });
      expect(invalid.status).toBe(422);
      expect(invalid.body.code).toBe('validation');
      expect(invalid.body.detail.map((issue: { loc: string[] }) => issue.loc.join('.'))).toEqual(expect.arrayContaining(['body.url', 'body.eventTypes']));
      const missing = await call(herald.token, 'GET', `${base}/ep_missing`);
      expect(missing).toEqual({ status: 404, body: { code: 'not_found', detail: expect.any(String) } });
      const uid = unique('taken');
      expect((await call(herald.token, 'POST', base, { url: 'https://ops.example.com/a', uid })).status).toBe(201);
      const duplicate = await call(herald.token, 'POST', base, { url: 'https://ops.example.com/b', uid });
      expect(duplicate).toEqual({ status: 409, body: { code: 'conflict', detail: expect.stringContaining(uid) } });
      await call(herald.token, 'DELETE', `${base}/${uid}`);
    });
  });

  describe('access', () => {
    it('is for the API token alone: API keys get 403, a key for one application 404, and the operational application is nobody’s', async () => {
      const app = await svix.application.create({ name: unique('tenant') });
      const full = (await call(herald.token, 'POST', '/api/v1/auth/api-key', { name: 'backend' })).body.key;
      const reader = (await call(herald.token, 'POST', '/api/v1/auth/api-key', { name: 'dashboards', readOnly: true })).body.key;
      const scoped = (await call(herald.token, 'POST', '/api/v1/auth/api-key', { name: 'tenant', appId: app.id })).body.key;
      const base = '/api/v1/operational-webhook/endpoint';
      for (const [method, path, body] of [
        ['GET', base],
        ['POST', base, { url: 'https://evil.example.com' }],
        ['GET', `${base}/${everything.id}/secret`],
        ['DELETE', `${base}/${everything.id}`],
      ] as const) {
        expect(await call(full, method, path, body)).toEqual({ status: 403, body: { code: 'forbidden', detail: expect.stringContaining('API token') } });
        expect((await call(reader, method, path, body)).status).toBe(403);
        expect(await call(scoped, method, path, body)).toEqual({ status: 404, body: { code: 'not_found', detail: expect.any(String) } });
      }
      expect((await svix.operationalWebhook.endpoint.get(everything.id)).id).toBe(everything.id);

      // The application that holds the operational endpoints is no application of the API's.
      expect((await svix.application.list({ limit: 250 })).data.map((listed) => listed.id)).not.toContain(OPERATIONAL_APP_ID);
      expect((await rejection(svix.application.get(OPERATIONAL_APP_ID))).code).toBe(404);
      expect((await rejection(svix.endpoint.list(OPERATIONAL_APP_ID))).code).toBe(404);
      expect((await rejection(svix.endpoint.get(OPERATIONAL_APP_ID, everything.id))).code).toBe(404);
      expect((await rejection(svix.message.create(OPERATIONAL_APP_ID, { eventType: 'endpoint.disabled', payload: {} }))).code).toBe(404);
      expect((await call(herald.token, 'POST', '/api/v1/auth/api-key', { name: 'sneaky', appId: OPERATIONAL_APP_ID })).status).toBe(404);
      expect((await rejection(svix.authentication.appPortalAccess(OPERATIONAL_APP_ID, {}))).code).toBe(404);
    });
  });

  describe('events', () => {
    it('sends endpoint.created, updated, disabled (manual), enabled and deleted, signed, to the endpoints whose eventTypes take them', async () => {
      const onlyDeletedPath = `/${unique('ops-deleted')}`;
      const onlyDeleted = await svix.operationalWebhook.endpoint.create({ url: receiver.on(onlyDeletedPath, 200), eventTypes: ['endpoint.deleted'] });
      const onlyDeletedSecret = (await svix.operationalWebhook.endpoint.getSecret(onlyDeleted.id)).key;

      const appUid = unique('acme');
      const app = await svix.application.create({ name: 'Acme', uid: appUid });
      const endpointUid = unique('hook');
      const endpoint = await svix.endpoint.create(app.id, { url: 'https://acme.example.com/hooks', uid: endpointUid });
      await svix.endpoint.patch(app.id, endpoint.id, { description: 'renamed' });
      await svix.endpoint.patch(app.id, endpoint.id, { disabled: true });
      await svix.endpoint.upsert(app.id, endpoint.id, { url: 'https://acme.example.com/hooks', disabled: false });
      await svix.endpoint.delete(app.id, endpoint.id);

      const expected = [
        'endpoint.created',
        'endpoint.updated',
        'endpoint.updated',
        'endpoint.disabled',
        'endpoint.updated',
        'endpoint.enabled',
        'endpoint.deleted',
      ];
      await until('every endpoint event', () => typesAbout(endpoint.id).length >= expected.length);
      await sleep(300);
      expect(typesAbout(endpoint.id).sort()).toEqual([...expected].sort());
      const ids = { appId: app.id, appUid, endpointId: endpoint.id, endpointUid };
      for (const event of eventsAbout(endpoint.id)) {
        expect(Date.parse(event.timestamp)).toBeGreaterThan(Date.now() - 60_000);
        if (event.type === 'endpoint.disabled') expect(event.data).toEqual({ ...ids, trigger: 'manual', failSince: null, reason: 'Disabled by an operator' });
        else expect(event.data).toEqual(ids);
      }

      await until('endpoint.deleted at the filtered endpoint', () =>
        verified(onlyDeletedPath, onlyDeletedSecret).some((event) => event.data.endpointId === endpoint.id),
      );
      const filtered = verified(onlyDeletedPath, onlyDeletedSecret);
      expect(filtered.map((event) => event.type)).toEqual(filtered.map(() => 'endpoint.deleted'));
      // Each event is a message of its own, with its own webhook-id.
      const webhookIds = receiver.at(everything.path).map((webhook) => webhook.headers['webhook-id']);
      expect(new Set(webhookIds).size).toBe(webhookIds.length);
      await svix.operationalWebhook.endpoint.delete(onlyDeleted.id);
    });

    it('sends one endpoint.disabled and one endpoint.enabled when several requests disable, then enable, an endpoint at once', async () => {
      const app = await svix.application.create({ name: unique('toggled') });
      const endpoint = await svix.endpoint.create(app.id, { url: 'https://toggled.example.com/hooks' });
      await Promise.all(Array.from({ length: 5 }, () => svix.endpoint.patch(app.id, endpoint.id, { disabled: true })));
      await Promise.all(Array.from({ length: 5 }, () => svix.endpoint.patch(app.id, endpoint.id, { disabled: false })));

      await until('every endpoint.updated', () => typesAbout(endpoint.id).filter((type) => type === 'endpoint.updated').length === 10);
      await sleep(300);
      const types = typesAbout(endpoint.id);
      expect(types.filter((type) => type === 'endpoint.disabled')).toHaveLength(1);
      expect(types.filter((type) => type === 'endpoint.enabled')).toHaveLength(1);
      expect((await svix.endpoint.get(app.id, endpoint.id)).disabled).toBe(false);
    });

    it('sends message.attempt.failing after the fourth failure and message.attempt.recovered on the success after it', async () => {
      const app = await svix.application.create({ name: unique('flaky'), uid: unique('flaky') });
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(`/${unique('flaky')}`, [500, 502, 500, 503, 200]) });
      const eventId = unique('evt');
      const message = await svix.message.create(app.id, { eventType: 'invoice.paid', eventId, payload: { n: 1 } });

      await until('message.attempt.recovered', () => typesAbout(message.id).includes('message.attempt.recovered'));
      await sleep(300);
      expect(typesAbout(message.id).sort()).toEqual(['message.attempt.failing', 'message.attempt.recovered']);
      const attempts = (await svix.messageAttempt.listByMsg(app.id, message.id)).data; // newest first
      expect(attempts.map((attempt) => attempt.responseStatusCode)).toEqual([200, 503, 500, 502, 500]);
      const [failing, recovered] = ['message.attempt.failing', 'message.attempt.recovered'].map((type) =>
        eventsAbout(message.id).find((event) => event.type === type)!,
      );
      const about = { appId: app.id, appUid: app.uid, msgId: message.id, msgEventId: eventId, endpointId: endpoint.id };
      expect(failing.data).toEqual({ ...about, lastAttempt: { id: attempts[1].id, responseStatusCode: 503, timestamp: attempts[1].timestamp.toISOString() } });
      expect(recovered.data).toEqual({
        ...about,
        lastAttempt: { id: attempts[0].id, responseStatusCode: 200, timestamp: attempts[0].timestamp.toISOString() },
      });
    });

    it('sends message.attempt.exhausted when the schedule runs out, and nothing for a delivery that fails fewer than four times', async () => {
      const app = await svix.application.create({ name: unique('down') });
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(`/${unique('down')}`, 500), eventTypes: ['invoice.paid'] });
      const lost = await svix.message.create(app.id, { eventType: 'invoice.paid', payload: {} });
      const shaky = await svix.endpoint.create(app.id, { url: receiver.on(`/${unique('shaky')}`, [500, 500, 200]), eventTypes: ['order.shipped'] });
      const late = await svix.message.create(app.id, { eventType: 'order.shipped', payload: {} });

      await until('message.attempt.exhausted', () => typesAbout(lost.id).includes('message.attempt.exhausted'));
      await sleep(300);
      expect(typesAbout(lost.id).sort()).toEqual(['message.attempt.exhausted', 'message.attempt.failing']);
      const [last] = (await svix.messageAttempt.listByMsg(app.id, lost.id, { endpointId: endpoint.id })).data;
      expect(eventsAbout(lost.id).find((event) => event.type === 'message.attempt.exhausted')!.data).toEqual({
        appId: app.id,
        appUid: null,
        msgId: lost.id,
        msgEventId: null,
        endpointId: endpoint.id,
        lastAttempt: { id: last.id, responseStatusCode: 500, timestamp: last.timestamp.toISOString() },
      });
      expect((await svix.messageAttempt.listByMsg(app.id, late.id, { endpointId: shaky.id })).data.map((attempt) => attempt.responseStatusCode)).toEqual([
        200, 500, 500,
      ]);
      expect(typesAbout(late.id)).toEqual([]);
    });

    it('sends endpoint.disabled once when an endpoint failing for HERALD_DISABLE_AFTER is disabled, however many attempts fail at once', async () => {
      const BURST = 20;
      const held = await holdingServer(BURST);
      try {
        const app = await svix.application.create({ name: unique('dead') });
        const endpoint = await svix.endpoint.create(app.id, { url: held.url });
        const first = await svix.message.create(app.id, { eventType: 'invoice.paid', payload: {} });
        await until('the first message exhausted', () => typesAbout(first.id).includes('message.attempt.exhausted'));
        await sleep(DISABLE_AFTER_MS);
        // Failing for longer than HERALD_DISABLE_AFTER now: a burst whose attempts the server holds until all of them
        // have arrived, then fails at once, so that each of them finds the endpoint due to be disabled.
        held.holdNext();
        await Promise.all(Array.from({ length: BURST }, (_, n) => svix.message.create(app.id, { eventType: 'invoice.paid', payload: { n } })));

        await until('endpoint.disabled', () => typesAbout(endpoint.id).includes('endpoint.disabled'));
        await sleep(1_000);
        expect(held.released).toBe(BURST);
        const disabled = eventsAbout(endpoint.id).filter((event) => event.type === 'endpoint.disabled');
        expect(disabled).toHaveLength(1);
        expect(disabled[0].data).toEqual({
          appId: app.id,
          appUid: null,
          endpointId: endpoint.id,
          endpointUid: null,
          trigger: 'automatic',
          failSince: expect.any(String),
          reason: expect.stringMatching(/^Failing continuously since /),
        });
        expect(Date.parse(disabled[0].data.failSince)).toBeLessThan(Date.now() - DISABLE_AFTER_MS);
        expect((await svix.endpoint.get(app.id, endpoint.id)).disabled).toBe(true);
      } finally {
        await held.close();
      }
    });

    it('retries an operational event on the schedule and logs every attempt', async () => {
      const path = `/${unique('ops-flaky')}`;
      const flaky = await svix.operationalWebhook.endpoint.create({ url: receiver.on(path, [503, 500, 200]), eventTypes: ['endpoint.created'] });
      const secret = (await svix.operationalWebhook.endpoint.getSecret(flaky.id)).key;
      const app = await svix.application.create({ name: unique('watched') });
      const endpoint = await svix.endpoint.create(app.id, { url: 'https://watched.example.com/hooks' });

      await until('the third try', () => receiver.at(path).length >= 3);
      const tries = receiver.at(path);
      expect(new Set(tries.map((webhook) => webhook.headers['webhook-id'])).size).toBe(1); // one message, tried three times
      expect(verified(path, secret).map((event) => [event.type, event.data.endpointId])).toEqual(Array(3).fill(['endpoint.created', endpoint.id]));
      const logged = await until('three attempts logged', async () => {
        const rows = await herald.app
          .get(DataSource, { strict: false })
          .getRepository(MessageAttempt)
          .find({ where: { endpointId: flaky.id }, order: { attemptNumber: 'ASC' } });
        return rows.length === 3 ? rows : undefined;
      });
      expect(logged.map((row) => [row.appId, row.attemptNumber, row.responseStatusCode])).toEqual([
        [OPERATIONAL_APP_ID, 1, 503],
        [OPERATIONAL_APP_ID, 2, 500],
        [OPERATIONAL_APP_ID, 3, 200],
      ]);
      await svix.operationalWebhook.endpoint.delete(flaky.id);
    });
  });
});
