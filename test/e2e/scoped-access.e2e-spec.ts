import { ApiException, AppPortalCapability, Svix } from 'svix';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHerald } from '@herald/platform';
import { ALL_APPS } from '../../apps/all-in-one/src/herald-apps';
import { DATABASE_KINDS } from '../support/databases';
import { deleteRedisPrefix, startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { waitFor } from '../support/wait';

/**
 * Credentials beyond the API token, through the real svix 2.5.0 SDK where Svix has the call
 * (authentication.appPortalAccess, logout, expireAll) and over plain HTTP for Herald's own (API keys):
 * what each may reach, and that a revocation holds at once, on another instance, and after Redis is flushed.
 */
describe.each(DATABASE_KINDS)('scoped credentials: app portal access and API keys (%s)', (database) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let admin: Svix;
  let appA: string;
  let appB: string;
  let endpointA: string;
  let endpointB: string;
  let messageB: string;

  /** One request with a bearer token; the answer's status and parsed body. */
  async function call(token: string, method: string, path: string, body?: unknown, base = herald.url): Promise<{ status: number; body: any }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function rejection(promise: Promise<unknown>): Promise<ApiException<any>> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof ApiException) return error;
      throw error;
    }
    throw new Error('expected an ApiException');
  }

  const sdk = (token: string) => new Svix(token, { serverUrl: herald.url, retryScheduleInMs: [] });

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({ database, env: { HERALD_RETRY_SCHEDULE: '0s' } });
    admin = sdk(herald.token);
    await admin.eventType.create({ name: 'order.created', description: 'An order was placed' });
    const [a, b] = [await admin.application.create({ name: 'A', uid: 'tenant-a' }), await admin.application.create({ name: 'B', uid: 'tenant-b' })];
    [appA, appB] = [a.id, b.id];
    endpointA = (await admin.endpoint.create(appA, { url: receiver.on('/a', 200) })).id;
    endpointB = (await admin.endpoint.create(appB, { url: receiver.on('/b', 200) })).id;
    messageB = (await admin.message.create(appB, { eventType: 'order.created', payload: { secret: 'of B' } })).id;
  }, 60_000);

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  it('appPortalAccess answers an absolute link with the token in its fragment, and the token opens its own application', async () => {
    const access = await admin.authentication.appPortalAccess(appA, {});
    expect(access.token).toMatch(/^hpt_[A-Za-z0-9_-]{43}$/);
    expect(access.url).toBe(`${herald.url}/portal/#key=${access.token}`);
    const portal = sdk(access.token);
    await expect(portal.endpoint.list(appA)).resolves.toMatchObject({ data: [{ id: endpointA }] });
    await expect(portal.endpoint.list('tenant-a')).resolves.toMatchObject({ data: [{ id: endpointA }] });
    await expect(portal.eventType.list()).resolves.toMatchObject({ data: [{ name: 'order.created' }] });
    const created = await portal.endpoint.create(appA, { url: receiver.on('/a2', 200), eventTypes: ['order.created'] });
    expect(created.eventTypes).toEqual(['order.created']);
    await expect(portal.endpoint.getSecret(appA, created.id)).resolves.toMatchObject({ key: expect.stringMatching(/^whsec_/) });
  });

  it('bases the link on HERALD_PUBLIC_URL when it is set', async () => {
    const other = await startTestHerald({ env: { HERALD_PUBLIC_URL: 'https://hooks.example.com/' } });
    try {
      const access = await new Svix(other.token, { serverUrl: other.url }).authentication.appPortalAccess('fresh', { application: { name: 'Fresh' } });
      expect(access.url).toBe(`https://hooks.example.com/portal/#key=${access.token}`);
      // `application` created the application, with the path as its uid.
      await expect(new Svix(other.token, { serverUrl: other.url }).application.get('fresh')).resolves.toMatchObject({ name: 'Fresh', uid: 'fresh' });
    } finally {
      await other.close();
    }
  });

  it('answers another application the same 404 as a missing one, and every route outside its application 404', async () => {
    const { token } = await admin.authentication.appPortalAccess(appA, {});
    const missing = await call(token, 'GET', `/api/v1/app/app_2ZZZZZZZZZZZZZZZZZZZZZZZZZ/endpoint`);
    expect(missing).toEqual({ status: 404, body: { code: 'not_found', detail: 'Application not found' } });
    for (const path of [
      `/api/v1/app/${appB}/endpoint`,
      `/api/v1/app/tenant-b/endpoint`,
      `/api/v1/app/${appB}/endpoint/${endpointB}`,
      `/api/v1/app/${appB}/msg/${messageB}`,
      `/api/v1/app/${appB}/attempt/msg/${messageB}`,
      `/api/v1/app/${appB}`,
    ])
      expect({ path, ...(await call(token, 'GET', path)) }).toEqual({ path, ...missing });
    // Another application's rows through one's own path: not found, as rows of one's own that do not exist.
    expect((await call(token, 'GET', `/api/v1/app/${appA}/endpoint/${endpointB}`)).status).toBe(404);
    expect((await call(token, 'GET', `/api/v1/app/${appA}/msg/${messageB}`)).status).toBe(404);
    expect((await call(token, 'POST', `/api/v1/app/${appA}/msg/${messageB}/endpoint/${endpointB}/resend`)).status).toBe(404);
    // Outside any application: no list of applications, no new event types, no tokens, no messages.
    const outside = { status: 404, body: { code: 'not_found', detail: 'Not found' } };
    expect(await call(token, 'GET', '/api/v1/app')).toEqual(outside);
    expect(await call(token, 'POST', '/api/v1/event-type', { name: 'x.y', description: 'x' })).toEqual(outside);
    expect(await call(token, 'POST', `/api/v1/auth/app-portal-access/${appA}`, {})).toEqual(outside);
    expect(await call(token, 'POST', '/api/v1/auth/api-key', { name: 'k' })).toEqual(outside);
    expect(await call(token, 'POST', `/api/v1/app/${appA}/msg`, { eventType: 'order.created', payload: {} })).toEqual(outside);
    expect(await call(token, 'DELETE', `/api/v1/app/${appA}`)).toEqual(outside);
    expect(await call(token, 'GET', '/api/v1/background-task')).toEqual(outside);
  });

  it('gives a read-only token reads only (403 for any change), and capabilities narrow what a token may do', async () => {
    const readOnly = (await admin.authentication.appPortalAccess(appA, { readOnly: true })).token;
    expect((await call(readOnly, 'GET', `/api/v1/app/${appA}/endpoint/${endpointA}`)).status).toBe(200);
    const refused = { status: 403, body: { code: 'forbidden', detail: 'This token is read-only' } };
    expect(await call(readOnly, 'PATCH', `/api/v1/app/${appA}/endpoint/${endpointA}`, { disabled: true })).toEqual(refused);
    expect(await call(readOnly, 'POST', `/api/v1/app/${appA}/endpoint/${endpointA}/secret/rotate`, {})).toEqual(refused);
    // The same 403 for another application, existing or not: it tells nothing.
    expect(await call(readOnly, 'PATCH', `/api/v1/app/${appB}/endpoint/${endpointB}`, { disabled: true })).toEqual(refused);
    expect(await call(readOnly, 'PATCH', `/api/v1/app/nope/endpoint/nope`, { disabled: true })).toEqual(refused);
    // A stream token changes nothing: a read-only token gets one, for its application only.
    expect((await call(readOnly, 'POST', '/api/v1/auth/stream-token', {})).status).toBe(201);
    expect((await call(readOnly, 'POST', '/api/v1/auth/stream-token', { appId: appB })).status).toBe(404);

    const viewer = (await admin.authentication.appPortalAccess(appA, { capabilities: [AppPortalCapability.ViewBase] })).token;
    expect((await call(viewer, 'GET', `/api/v1/app/${appA}/endpoint`)).status).toBe(200);
    expect(await call(viewer, 'GET', `/api/v1/app/${appA}/endpoint/${endpointA}/secret`)).toEqual({
      status: 403,
      body: { code: 'forbidden', detail: 'This token lacks the ViewEndpointSecret capability' },
    });
    expect((await call(viewer, 'POST', `/api/v1/app/${appA}/endpoint`, { url: 'https://example.com/h' })).status).toBe(403);
  });

  it('logout revokes the token it is called with, at once, on every instance, and a Redis flush brings nothing back', async () => {
    const second: NestFastifyApplication = await createHerald(herald.config, ALL_APPS);
    await second.listen(0, '127.0.0.1');
    const secondUrl = (await second.getUrl()).replace('[::1]', '127.0.0.1');
    try {
      const { token } = await admin.authentication.appPortalAccess(appA, { sessionId: 'browser-1' });
      const stream = (await call(token, 'POST', '/api/v1/auth/stream-token', {})).body.token;
      expect((await call(token, 'GET', `/api/v1/app/${appA}/endpoint`, undefined, secondUrl)).status).toBe(200);
      await sdk(token).authentication.logout();
      expect((await call(token, 'GET', `/api/v1/app/${appA}/endpoint`)).status).toBe(401);
      expect((await call(token, 'GET', `/api/v1/app/${appA}/endpoint`, undefined, secondUrl)).status).toBe(401);
      // Stream tokens minted with it die with it.
      expect((await fetch(`${herald.url}/api/v1/app/${appA}/stream?token=${stream}`)).status).toBe(401);
      // Everything this Herald keeps in Redis gone (FLUSHALL would take other suites' keys with it).
      await deleteRedisPrefix(herald.config.queuePrefix);
      expect((await call(token, 'GET', `/api/v1/app/${appA}/endpoint`)).status).toBe(401);
      // Logging out takes a portal token; the API token is refused.
      expect((await rejection(admin.authentication.logout())).code).toBe(403);
    } finally {
      await second.close();
    }
  });

  it('expireAll expires the application’s portal tokens, or those of the sessions named, and no other application’s', async () => {
    const mint = async (app: string, sessionId: string) => (await admin.authentication.appPortalAccess(app, { sessionId })).token;
    const [one, two, other] = [await mint(appA, 's1'), await mint(appA, 's2'), await mint(appB, 's1')];
    await admin.authentication.expireAll(appA, { sessionIds: ['s1'] });
    expect((await call(one, 'GET', `/api/v1/app/${appA}/endpoint`)).status).toBe(401);
    expect((await call(two, 'GET', `/api/v1/app/${appA}/endpoint`)).status).toBe(200);
    await admin.authentication.expireAll(appA, { expiry: 1 });
    expect((await call(two, 'GET', `/api/v1/app/${appA}/endpoint`)).status).toBe(200);
    await waitFor('the token to expire', async () => (await call(two, 'GET', `/api/v1/app/${appA}/endpoint`)).status === 401, 5_000);
    expect((await call(other, 'GET', `/api/v1/app/${appB}/endpoint`)).status).toBe(200);
  });

  it('honours expiry', async () => {
    const { token } = await admin.authentication.appPortalAccess(appA, { expiry: 1 });
    expect((await call(token, 'GET', `/api/v1/app/${appA}/endpoint`)).status).toBe(200);
    await waitFor('the token to expire', async () => (await call(token, 'GET', `/api/v1/app/${appA}/endpoint`)).status === 401, 5_000);
  });

  it('API keys: shown once, stored hashed, scoped (full, one application, read-only), listed and revoked by the API token only', async () => {
    const full = await call(herald.token, 'POST', '/api/v1/auth/api-key', { name: 'backend' });
    expect(full.status).toBe(201);
    expect(full.body).toMatchObject({ id: expect.stringMatching(/^key_/), name: 'backend', appId: null, readOnly: false, key: expect.stringMatching(/^hak_/) });
    const scoped = (await call(herald.token, 'POST', '/api/v1/auth/api-key', { name: 'tenant b', appId: 'tenant-b' })).body;
    expect(scoped.appId).toBe(appB);
    const reader = (await call(herald.token, 'POST', '/api/v1/auth/api-key', { name: 'dashboards', readOnly: true })).body;

    // A full key does what the API token does, minting portal links included, but manages no keys.
    const backend = sdk(full.body.key);
    await expect(backend.application.list()).resolves.toMatchObject({ data: expect.arrayContaining([expect.objectContaining({ id: appA })]) });
    await expect(backend.authentication.appPortalAccess(appA, {})).resolves.toMatchObject({ url: expect.stringContaining('#key=') });
    expect((await call(full.body.key, 'GET', '/api/v1/auth/api-key')).status).toBe(403);
    // One application's key sees that one only.
    expect((await call(scoped.key, 'GET', `/api/v1/app/${appB}/msg/${messageB}`)).status).toBe(200);
    expect((await call(scoped.key, 'GET', `/api/v1/app/${appA}/endpoint`)).status).toBe(404);
    // A read-only key reads everything and changes nothing.
    expect((await call(reader.key, 'GET', '/api/v1/app')).status).toBe(200);
    expect((await call(reader.key, 'POST', '/api/v1/app', { name: 'nope' })).status).toBe(403);

    const listed = (await call(herald.token, 'GET', '/api/v1/auth/api-key')).body;
    expect(listed.data.map((key: any) => key.name)).toEqual(['backend', 'tenant b', 'dashboards']);
    expect(JSON.stringify(listed)).not.toContain('hak_');

    expect((await call(herald.token, 'DELETE', `/api/v1/auth/api-key/${full.body.id}`)).status).toBe(204);
    expect((await call(full.body.key, 'GET', '/api/v1/app')).status).toBe(401);
    expect((await call(herald.token, 'DELETE', `/api/v1/auth/api-key/${full.body.id}`)).status).toBe(404);
    expect((await call(herald.token, 'GET', '/api/v1/auth/api-key')).body.data[0].revokedAt).toEqual(expect.any(String));
  });
});
