import { randomBytes } from 'node:crypto';
import { AppPortalCapability, Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { DATABASE_KINDS } from '../support/databases';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { rejection } from '../support/svix';
import { waitFor } from '../support/wait';

/**
 * The rest of Svix's webhook API through svix 2.x, against a real Herald on SQLite and PostgreSQL:
 * send-example, integrations, usage statistics, the OpenAPI import and environment export/import. Each
 * test asserts on what comes back and on what Herald did (deliveries, rows, keys that open or not).
 */

const REQUEST_TIMEOUT_MS = 10_000;

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${++sequence}-${randomBytes(3).toString('hex')}`;
const until = <T>(what: string, check: () => T | Promise<T>) => waitFor(what, check, 10_000);

const sortById = <T extends { appId: string }>(rows: T[]) => [...rows].sort((a, b) => a.appId.localeCompare(b.appId));

describe.each(DATABASE_KINDS)('the rest of the Svix API through svix 2.x (%s)', (database) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let svix: Svix;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({ database, env: { HERALD_RETRY_SCHEDULE: '0s,150ms' } });
    svix = new Svix(herald.token, { serverUrl: herald.url, requestTimeout: REQUEST_TIMEOUT_MS });
  });
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  const newApp = (name = 'app') => svix.application.create({ name: unique(name) });
  const path = (name: string) => `/${unique(name)}`;
  /** A raw call, for what the SDK cannot send (a scoped token, a malformed body). */
  const call = (method: string, route: string, body?: unknown, token = herald.token) =>
    fetch(`${herald.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  describe('endpoint.sendExample', () => {
    const invoicePaid = unique('invoice.paid');
    beforeAll(async () => {
      await svix.eventType.create({
        name: invoicePaid,
        description: 'An invoice was paid',
        schemas: { '1': { type: 'object', examples: [{ invoiceId: 'in_first' }, { invoiceId: 'in_second', amount: 42 }] } },
      });
    });

    it('sends the chosen example, signed, to that endpoint only, and answers the message', async () => {
      const app = await newApp();
      const target = await svix.endpoint.create(app.id, { url: receiver.on(path('example'), 200), eventTypes: ['something.else'] });
      const other = await svix.endpoint.create(app.id, { url: receiver.on(path('other'), 200) });
      const secret = (await svix.endpoint.getSecret(app.id, target.id)).key;

      const message = await svix.endpoint.sendExample(app.id, target.id, { eventType: invoicePaid, exampleIndex: 1 });
      expect(message).toMatchObject({ id: expect.stringMatching(/^msg_/), eventType: invoicePaid, payload: { invoiceId: 'in_second', amount: 42 } });
      expect(message.timestamp).toBeInstanceOf(Date);

      // Delivered to the endpoint named, though its filter would not take the event type; never to the other one.
      const received = await until('the example arrived', () => receiver.at(new URL(target.url).pathname)[0]);
      expect(JSON.parse(received.body)).toEqual({ invoiceId: 'in_second', amount: 42 });
      expect(received.headers['webhook-id']).toBe(message.id);
      expect(() => new Webhook(secret).verify(received.body, received.headers)).not.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.at(new URL(other.url).pathname)).toHaveLength(0);
      expect((await svix.messageAttempt.listAttemptedDestinations(app.id, message.id)).data.map((ep) => ep.id)).toEqual([target.id]);
      // A message of the application like any other.
      expect((await svix.message.get(app.id, message.id, { withContent: true })).payload).toEqual({ invoiceId: 'in_second', amount: 42 });

      // exampleIndex defaults to the first.
      const first = await svix.endpoint.sendExample(app.id, target.id, { eventType: invoicePaid });
      expect(first.payload).toEqual({ invoiceId: 'in_first' });
    });

    it('answers 422 naming the field when there is no example or the index is out of range, and 404 for unknown names', async () => {
      const app = await newApp();
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(path('none'), 200) });
      const bare = unique('no.example');
      await svix.eventType.create({ name: bare, description: 'no schema' });

      const noExample = await rejection(svix.endpoint.sendExample(app.id, endpoint.id, { eventType: bare }));
      expect(noExample.code).toBe(422);
      expect(noExample.body).toMatchObject({ code: 'validation', detail: [{ loc: ['body', 'eventType'], msg: expect.stringContaining('no example') }] });

      const outOfRange = await rejection(svix.endpoint.sendExample(app.id, endpoint.id, { eventType: invoicePaid, exampleIndex: 2 }));
      expect(outOfRange.code).toBe(422);
      expect(outOfRange.body.detail[0]).toMatchObject({ loc: ['body', 'exampleIndex'], msg: expect.stringContaining('below 2') });

      expect((await rejection(svix.endpoint.sendExample(app.id, endpoint.id, { eventType: unique('missing') }))).body).toMatchObject({
        code: 'not_found',
        detail: 'Event type not found',
      });
      expect((await rejection(svix.endpoint.sendExample(app.id, 'ep_missing', { eventType: invoicePaid }))).code).toBe(404);
      const negative = await call('POST', `/api/v1/app/${app.id}/endpoint/${endpoint.id}/send-example`, { eventType: invoicePaid, exampleIndex: -1 });
      expect(negative.status).toBe(422);
      expect(((await negative.json()) as any).detail[0].loc).toEqual(['body', 'exampleIndex']);
      expect((await svix.message.list(app.id)).data).toHaveLength(0);
    });

    it('takes CreateAttempts from a token limited to the application, and replays under the same idempotency key', async () => {
      const app = await newApp();
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(path('portal'), 200) });
      const route = `/api/v1/app/${app.id}/endpoint/${endpoint.id}/send-example`;
      const viewer = (await svix.authentication.appPortalAccess(app.id, { capabilities: [AppPortalCapability.ViewBase] })).token;
      const sender = (await svix.authentication.appPortalAccess(app.id, { capabilities: [AppPortalCapability.ViewBase, AppPortalCapability.CreateAttempts] }))
        .token;

      const refused = await call('POST', route, { eventType: invoicePaid }, viewer);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ code: 'forbidden', detail: 'This token lacks the CreateAttempts capability' });
      const sent = await call('POST', route, { eventType: invoicePaid }, sender);
      expect(sent.status).toBe(202);
      expect(((await sent.json()) as any).payload).toEqual({ invoiceId: 'in_first' });

      const key = unique('idem');
      const once = await svix.endpoint.sendExample(app.id, endpoint.id, { eventType: invoicePaid }, { idempotencyKey: key });
      const again = await svix.endpoint.sendExample(app.id, endpoint.id, { eventType: invoicePaid }, { idempotencyKey: key });
      expect(again.id).toBe(once.id);
      expect((await svix.message.list(app.id)).data).toHaveLength(2);
    });
  });
  describe('integration', () => {
    it("creates, gets, lists, updates and deletes, with Svix's shapes", async () => {
      const app = await newApp();
      const created = await svix.integration.create(app.id, { name: 'Zapier', featureFlags: ['beta'] });
      expect(created).toMatchObject({ id: expect.stringMatching(/^integ_/), name: 'Zapier', featureFlags: ['beta'] });
      expect(created.createdAt).toBeInstanceOf(Date);
      const plain = await svix.integration.create(app.id, { name: 'Make' });
      expect(plain.featureFlags).toBeUndefined();

      expect(await svix.integration.get(app.id, created.id)).toMatchObject({ id: created.id, name: 'Zapier', featureFlags: ['beta'] });
      const listed = await svix.integration.list(app.id, { limit: 1 });
      expect(listed.data.map((integration) => integration.id)).toEqual([created.id]);
      expect(listed.done).toBe(false);
      expect((await svix.integration.list(app.id, { iterator: listed.iterator })).data.map((integration) => integration.id)).toEqual([plain.id]);
      // Another application's integrations are not reachable through this one.
      const other = await newApp('other');
      expect((await svix.integration.list(other.id)).data).toEqual([]);
      expect((await rejection(svix.integration.get(other.id, created.id))).code).toBe(404);

      const updated = await svix.integration.update(app.id, created.id, { name: 'Zapier (prod)' });
      expect(updated).toMatchObject({ id: created.id, name: 'Zapier (prod)' });
      expect(updated.featureFlags).toBeUndefined();
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

      await svix.integration.delete(app.id, created.id);
      expect((await rejection(svix.integration.get(app.id, created.id))).body).toEqual({ code: 'not_found', detail: 'Integration not found' });
      expect((await rejection(svix.integration.delete(app.id, created.id))).code).toBe(404);
      const invalid = await rejection(svix.integration.create(app.id, { name: '' }));
      expect(invalid.code).toBe(422);
      expect(invalid.body.detail[0].loc).toEqual(['body', 'name']);
    });

    it('gives a key that reaches its application only, shown once; rotating or deleting revokes it at once', async () => {
      const app = await newApp();
      const other = await newApp('other');
      const response = await call('POST', `/api/v1/app/${app.id}/integration`, { name: 'Partner' });
      expect(response.status).toBe(201);
      const { id, key } = (await response.json()) as { id: string; key: string };
      expect(key).toMatch(/^hik_/);
      const asIntegration = new Svix(key, { serverUrl: herald.url, requestTimeout: REQUEST_TIMEOUT_MS });

      const endpoint = await asIntegration.endpoint.create(app.id, { url: 'https://example.com/partner' });
      expect((await svix.endpoint.get(app.id, endpoint.id)).url).toBe('https://example.com/partner');
      expect((await rejection(asIntegration.endpoint.list(other.id))).code).toBe(404);
      expect((await rejection(asIntegration.application.list())).code).toBe(404);
      // It cannot mint keys of its own, nor see the integrations.
      expect((await rejection(asIntegration.integration.create(app.id, { name: 'x' }))).code).toBe(404);

      // Svix 1.x's getKey: only the hash is kept.
      const getKey = await call('GET', `/api/v1/app/${app.id}/integration/${id}/key`);
      expect(getKey.status).toBe(409);
      expect(((await getKey.json()) as any).code).toBe('key_not_retrievable');

      const rotated = await svix.integration.rotateKey(app.id, id);
      expect(rotated.key).toMatch(/^hik_/);
      expect(rotated.key).not.toBe(key);
      expect((await rejection(asIntegration.endpoint.list(app.id))).code).toBe(401);
      const asRotated = new Svix(rotated.key, { serverUrl: herald.url, requestTimeout: REQUEST_TIMEOUT_MS });
      expect((await asRotated.endpoint.list(app.id)).data.map((ep) => ep.id)).toEqual([endpoint.id]);

      await svix.integration.delete(app.id, id);
      expect((await rejection(asRotated.endpoint.list(app.id))).code).toBe(401);
    });

    it('leaves minting keys to the API token, and revokes keys with their application', async () => {
      const app = await newApp();
      const fullKey = ((await (await call('POST', '/api/v1/auth/api-key', { name: unique('full') })).json()) as { key: string }).key;
      const refused = await call('POST', `/api/v1/app/${app.id}/integration`, { name: 'x' }, fullKey);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ code: 'forbidden', detail: 'Only the API token creates integrations and rotates their keys' });
      const integration = await svix.integration.create(app.id, { name: 'kept' });
      // A full key still reads and renames them.
      expect((await call('GET', `/api/v1/app/${app.id}/integration/${integration.id}`, undefined, fullKey)).status).toBe(200);
      expect((await call('POST', `/api/v1/app/${app.id}/integration/${integration.id}/key/rotate`, {}, fullKey)).status).toBe(403);

      const key = (await svix.integration.rotateKey(app.id, integration.id)).key;
      expect((await call('GET', `/api/v1/app/${app.id}/endpoint`, undefined, key)).status).toBe(200);
      await svix.application.delete(app.id);
      expect((await call('GET', `/api/v1/app/${app.id}/endpoint`, undefined, key)).status).toBe(401);
    });
  });
  describe('statistics', () => {
    it('aggregateAppStats counts message destinations per application in the range, as a task backgroundTask.get returns', async () => {
      const since = new Date(Date.now() - 1_000);
      const app = await svix.application.create({ name: unique('busy'), uid: unique('busy-uid') });
      const quiet = await newApp('quiet');
      await svix.endpoint.create(app.id, { url: receiver.on(path('a'), 200) });
      await svix.endpoint.create(app.id, { url: receiver.on(path('b'), 200), eventTypes: ['only.this'] });
      await svix.message.create(app.id, { eventType: 'only.this', payload: {} }); // two destinations
      await svix.message.create(app.id, { eventType: 'other', payload: {} }); // one
      const until = new Date(Date.now() + 1_000);

      const answer = await svix.statistics.aggregateAppStats({ since, until, appIds: [app.uid!, quiet.id, 'no-such-app'] });
      expect(answer).toMatchObject({ id: expect.stringMatching(/^qtask_/), status: 'finished', task: 'application.stats', unresolvedAppIds: ['no-such-app'] });
      const task = await svix.backgroundTask.get(answer.id);
      expect(task).toMatchObject({ id: answer.id, status: 'finished', task: 'application.stats' });
      expect(sortById(task.data.appStats)).toEqual(
        sortById([
          { messageDestinations: 3, appId: app.id, appUid: app.uid },
          { messageDestinations: 0, appId: quiet.id, appUid: null },
        ]),
      );

      // Without appIds: every application that had destinations in the range; before it, none of these.
      const all = await svix.backgroundTask.get((await svix.statistics.aggregateAppStats({ since, until })).id);
      expect(all.data.appStats).toContainEqual({ messageDestinations: 3, appId: app.id, appUid: app.uid });
      expect(all.data.appStats.map((stat: any) => stat.appId)).not.toContain(quiet.id);
      const before = await svix.statistics.aggregateAppStats({ since: new Date(since.getTime() - 60_000), until: since, appIds: [app.id] });
      expect((await svix.backgroundTask.get(before.id)).data.appStats).toEqual([{ messageDestinations: 0, appId: app.id, appUid: app.uid }]);

      const none = await rejection(svix.statistics.aggregateAppStats({ since, until, appIds: ['nothing-here'] }));
      expect(none.code).toBe(422);
      expect(none.body.detail[0].loc).toEqual(['body', 'appIds']);
      const backwards = await rejection(svix.statistics.aggregateAppStats({ since: until, until: since }));
      expect(backwards.body.detail[0]).toMatchObject({ loc: ['body', 'until'], msg: 'must be after since' });
    });

    it("aggregateEventTypes lists what each application's endpoints subscribe to", async () => {
      const filtered = await newApp('filtered');
      await svix.endpoint.create(filtered.id, { url: 'https://example.com/1', eventTypes: ['user.signup', 'invoice.paid'] });
      await svix.endpoint.create(filtered.id, { url: 'https://example.com/2', eventTypes: ['user.signup', 'user.deleted'] });
      const catchAll = await newApp('catch-all');
      await svix.endpoint.create(catchAll.id, { url: 'https://example.com/3' });
      await svix.endpoint.create(catchAll.id, { url: 'https://example.com/4', eventTypes: ['a.b'] });
      const bare = await newApp('bare');

      const answer = await svix.statistics.aggregateEventTypes();
      expect(answer).toMatchObject({ id: expect.stringMatching(/^qtask_/), status: 'finished', task: 'event-type.aggregate' });
      const rows: any[] = (await svix.backgroundTask.get(answer.id)).data.event_types;
      expect(rows).toContainEqual({
        appId: filtered.id,
        explicitlySubscribedEventTypes: ['invoice.paid', 'user.deleted', 'user.signup'],
        hasCatchAllEndpoint: false,
      });
      expect(rows).toContainEqual({ appId: catchAll.id, explicitlySubscribedEventTypes: ['a.b'], hasCatchAllEndpoint: true });
      expect(rows.map((row) => row.appId)).not.toContain(bare.id);
      expect((await svix.backgroundTask.list({ task: 'event-type.aggregate' as any })).data.map((task) => task.id)).toContain(answer.id);
    });
  });
  describe('eventType.importOpenapi', () => {
    const prefix = unique('shop');
    const spec = {
      openapi: '3.1.0',
      info: { title: 'Shop webhooks', version: '1.0.0' },
      webhooks: {
        [`${prefix}.order.paid`]: {
          post: {
            summary: 'An order was paid',
            'x-svix-group-name': 'orders',
            requestBody: {
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/OrderPaid' },
                  examples: { small: { value: { orderId: 'ord_1', amount: { value: 5, currency: 'EUR' } } } },
                },
              },
            },
            responses: { '200': { description: 'ok' } },
          },
        },
        'Not a valid name!': {
          post: { operationId: `${prefix}.order.refunded`, description: 'Refunded', deprecated: true, 'x-svix-feature-flags': ['beta'] },
        },
      },
      components: {
        schemas: {
          OrderPaid: { type: 'object', properties: { orderId: { type: 'string' }, amount: { $ref: '#/components/schemas/Money' } }, required: ['orderId'] },
          Money: { type: 'object', properties: { value: { type: 'number' }, currency: { type: 'string' } } },
        },
      },
    };
    const paid = `${prefix}.order.paid`;
    const refunded = `${prefix}.order.refunded`;

    it('dry-runs, then creates event types from the webhooks with their $refs resolved, then changes only what differs', async () => {
      const dry = await svix.eventType.importOpenapi({ spec, dryRun: true });
      expect(dry.data.modified).toEqual([]);
      expect(dry.data.toModify!.map((from) => from.name)).toEqual([paid, refunded]);
      expect((await rejection(svix.eventType.get(paid))).code).toBe(404);

      const imported = await svix.eventType.importOpenapi({ spec });
      expect(imported.data).toEqual({ modified: [paid, refunded] });
      const orderPaid = await svix.eventType.get(paid);
      expect(orderPaid).toMatchObject({ name: paid, description: 'An order was paid', groupName: 'orders', deprecated: false, archived: false });
      expect(orderPaid.schemas).toEqual({
        '1': {
          type: 'object',
          properties: { orderId: { type: 'string' }, amount: { type: 'object', properties: { value: { type: 'number' }, currency: { type: 'string' } } } },
          required: ['orderId'],
          examples: [{ orderId: 'ord_1', amount: { value: 5, currency: 'EUR' } }],
        },
      });
      expect(await svix.eventType.get(refunded)).toMatchObject({ description: 'Refunded', deprecated: true, featureFlags: ['beta'] });

      // The media type's example is what send-example sends.
      const app = await newApp();
      const endpoint = await svix.endpoint.create(app.id, { url: receiver.on(path('imported'), 200) });
      expect((await svix.endpoint.sendExample(app.id, endpoint.id, { eventType: paid })).payload).toEqual({
        orderId: 'ord_1',
        amount: { value: 5, currency: 'EUR' },
      });

      // Again: nothing differs. Archived, or described otherwise: changed back.
      expect((await svix.eventType.importOpenapi({ spec })).data.modified).toEqual([]);
      await svix.eventType.delete(refunded);
      await svix.eventType.patch(paid, { description: 'edited by hand' });
      const dryAgain = await svix.eventType.importOpenapi({ spec, dryRun: true });
      expect(dryAgain.data.toModify!.map((from) => from.name)).toEqual([paid, refunded]);
      expect(dryAgain.data.toModify![0]).toMatchObject({ name: paid, description: 'An order was paid', deprecated: false, groupName: 'orders' });
      expect((await svix.eventType.importOpenapi({ spec })).data.modified).toEqual([paid, refunded]);
      expect(await svix.eventType.get(refunded)).toMatchObject({ archived: false });
      expect((await svix.eventType.get(paid)).description).toBe('An order was paid');
    });

    it('reads specRaw as YAML, and replaceAll archives the event types the document does not name', async () => {
      const stray = unique('stray');
      await svix.eventType.create({ name: stray, description: 'not in the document' });
      const yaml = [
        'openapi: 3.0.3',
        'info: { title: legacy, version: "1" }',
        'x-webhooks:',
        `  ${prefix}.legacy:`,
        '    post:',
        '      description: From YAML',
        '      requestBody:',
        '        content:',
        '          application/json:',
        '            schema: { type: object, properties: { id: { type: string } } }',
      ].join('\n');
      const dry = await svix.eventType.importOpenapi({ specRaw: yaml, replaceAll: true, dryRun: true });
      expect(dry.data.toModify!.map((from) => from.name)).toEqual([`${prefix}.legacy`]);
      expect((await svix.eventType.get(stray)).archived).toBe(false);

      const replaced = await svix.eventType.importOpenapi({ specRaw: yaml, replaceAll: true });
      expect(replaced.data.modified).toEqual(expect.arrayContaining([`${prefix}.legacy`, stray, paid]));
      expect(await svix.eventType.get(`${prefix}.legacy`)).toMatchObject({
        description: 'From YAML',
        schemas: { '1': { type: 'object', properties: { id: { type: 'string' } } } },
      });
      expect((await svix.eventType.get(stray)).archived).toBe(true);
      const listed = (await svix.eventType.list({ limit: 250 })).data.map((eventType) => eventType.name);
      expect(listed).toEqual([`${prefix}.legacy`]);
    });

    it('refuses what it cannot import with a 4xx that says what is wrong, and changes nothing', async () => {
      const route = '/api/v1/event-type/import/openapi';
      const refusal = async (body: unknown) => {
        const response = await call('POST', route, body);
        return { status: response.status, body: (await response.json()) as any };
      };
      expect(await refusal({})).toEqual({ status: 400, body: { code: 'bad_request', detail: 'Send the OpenAPI document as either spec or specRaw' } });
      expect((await refusal({ spec, specRaw: 'openapi: 3.1.0' })).status).toBe(400);

      const cases: [unknown, (string | number)[], string][] = [
        [{ specRaw: 'openapi: [unclosed' }, ['body', 'specRaw'], 'is not valid YAML or JSON'],
        [{ spec: { openapi: '2.0', webhooks: {} } }, ['body', 'spec', 'openapi'], 'OpenAPI 3'],
        [{ spec: { openapi: '3.1.0', paths: {} } }, ['body', 'spec', 'webhooks'], 'has no webhooks'],
        [
          { spec: { openapi: '3.1.0', webhooks: { 'a.b': { post: { requestBody: { $ref: 'https://example.com/body.json' } } } } } },
          ['body', 'spec', 'webhooks', 'a.b', 'post', 'requestBody'],
          'not within the document',
        ],
        [
          {
            spec: {
              openapi: '3.1.0',
              webhooks: { 'a.b': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Missing' } } } } } } },
            },
          },
          ['body', 'spec', 'webhooks', 'a.b', 'post', 'requestBody', 'content', 'application/json', 'schema'],
          'points at nothing',
        ],
        [
          {
            spec: {
              openapi: '3.1.0',
              webhooks: { 'a.b': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } } } } },
              components: { schemas: { Node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } } } },
            },
          },
          ['body', 'spec', 'webhooks', 'a.b', 'post', 'requestBody', 'content', 'application/json', 'schema', 'properties', 'children', 'items'],
          'refers to itself',
        ],
        [{ spec: { openapi: '3.1.0', webhooks: { 'bad name': { post: {} } } } }, ['body', 'spec', 'webhooks', 'bad name'], 'valid event type name'],
      ];
      for (const [body, loc, message] of cases) {
        const { status, body: answer } = await refusal({ ...(body as object), replaceAll: true });
        expect({ status, code: answer.code, loc: answer.detail[0].loc }).toEqual({ status: 422, code: 'validation', loc });
        expect(answer.detail[0].msg).toContain(message);
      }
      // A document whose $refs multiply past the bound is refused, not built.
      const bomb: Record<string, unknown> = { L0: { type: 'string' } };
      for (let level = 1; level <= 20; level++)
        bomb[`L${level}`] = { allOf: [{ $ref: `#/components/schemas/L${level - 1}` }, { $ref: `#/components/schemas/L${level - 1}` }] };
      const exploded = await refusal({
        spec: {
          openapi: '3.1.0',
          webhooks: { 'a.b': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/L20' } } } } } } },
          components: { schemas: bomb },
        },
      });
      expect(exploded.status).toBe(422);
      expect(exploded.body.detail[0].msg).toContain('expands past');
      expect((await svix.eventType.list({ limit: 250 })).data.map((eventType) => eventType.name)).toEqual([`${prefix}.legacy`]);
    });
  });
  describe('environment', () => {
    it('exports the event type catalogue, which another Herald imports as it was', async () => {
      const live = unique('env.live');
      const old = unique('env.old');
      await svix.eventType.create({
        name: live,
        description: 'kept',
        groupName: 'env',
        featureFlags: ['beta'],
        schemas: { '1': { type: 'object', examples: [{ id: 1 }] } },
      });
      await svix.eventType.create({ name: old, description: 'archived', deprecated: true });
      await svix.eventType.delete(old);

      const exported = await svix.environment.export();
      expect(exported).toMatchObject({ version: 1, settings: null, connectors: [] });
      expect(exported.createdAt).toBeInstanceOf(Date);
      const byName = new Map(exported.eventTypes.map((eventType) => [eventType.name, eventType]));
      expect(byName.get(live)).toMatchObject({
        description: 'kept',
        groupName: 'env',
        featureFlags: ['beta'],
        schemas: { '1': { type: 'object', examples: [{ id: 1 }] } },
      });
      expect(byName.get(old)).toMatchObject({ archived: true, deprecated: true });

      const second = await startTestHerald({ database });
      try {
        const other = new Svix(second.token, { serverUrl: second.url, requestTimeout: REQUEST_TIMEOUT_MS });
        await other.eventType.create({ name: live, description: 'to be replaced' });
        const untouched = await other.eventType.create({ name: unique('env.theirs'), description: 'theirs' });
        await other.environment.import({ eventTypes: exported.eventTypes, settings: { anything: true } });
        const imported = await other.eventType.list({ includeArchived: true, withContent: true, limit: 250 });
        const shape = (eventType: any) => ({
          name: eventType.name,
          description: eventType.description,
          archived: eventType.archived,
          deprecated: eventType.deprecated,
          schemas: eventType.schemas,
          featureFlags: eventType.featureFlags,
          groupName: eventType.groupName,
        });
        expect(imported.data.filter((eventType) => byName.has(eventType.name)).map(shape)).toEqual(exported.eventTypes.map(shape));
        // Nothing it was not given changes.
        expect(imported.data.find((eventType) => eventType.name === untouched.name)).toMatchObject({ description: 'theirs', archived: false });

        // An empty import changes nothing; a name given twice is refused whole.
        await other.environment.import();
        const twice = await rejection(
          other.environment.import({
            eventTypes: [
              { name: 'x.y', description: 'a' },
              { name: 'x.y', description: 'b' },
            ],
          }),
        );
        expect(twice.code).toBe(422);
        expect(twice.body.detail[0].loc).toEqual(['body', 'eventTypes', 1, 'name']);
        const invalid = await rejection(other.environment.import({ eventTypes: [{ name: 'bad name', description: '' }] }));
        expect(invalid.body.detail[0].loc).toEqual(['body', 'eventTypes', 0, 'name']);
        expect((await rejection(other.eventType.get('x.y'))).code).toBe(404);
      } finally {
        await second.close();
      }
    });
  });
});
