import { randomBytes } from 'node:crypto';
import { ApiException, AppPortalCapability, Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { DATABASE_KINDS } from '../support/databases';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
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

/** The ApiException a call fails with. */
async function rejection(call: Promise<unknown>): Promise<ApiException<any>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return error;
    throw error;
  }
  throw new Error('expected the call to fail with an ApiException');
}

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
});
