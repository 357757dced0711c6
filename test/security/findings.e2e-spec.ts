import { dirname, join } from 'node:path';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Svix } from 'svix';
import { Message } from '@herald/persistence';
import { deleteRedisPrefix, startTestHerald, TestHerald } from '../support/herald';
import { ENTRYPOINT, freePort, HeraldProcess } from '../support/process';
import { rawRequest } from '../support/raw-http';
import { Receiver } from '../support/receiver';
import { PrivateRedis } from '../support/redis-server';
import { SseClient } from '../support/sse-client';
import { POSTGRES_ADMIN_URL } from '../support/databases';
import { sleep, waitFor } from '../support/wait';

/**
 * One regression test per finding of the outside attack on Herald (the hardening issue), each written so
 * that it failed on the code the attack was run against, plus what a service facing the internet is
 * expected to do besides: rate limits, a global stream cap, a metrics token.
 */

/** Bull Board's own routes, from the package itself, so a route added upstream is attacked too. */
function bullBoardRoutes(): { method: string; path: string }[] {
  const { appRoutes } = require(join(dirname(require.resolve('@bull-board/api')), 'routes.js')) as {
    appRoutes: { entryPoint: { route: string[] }; api: { method: string; route: string }[] };
  };
  const fill = (route: string) =>
    route.replace(':queueName', 'deliveries').replace(':queueStatus', 'failed').replace(':jobId', 'job-1').replace(':schedulerId', 'scheduler-1');
  return [
    ...appRoutes.entryPoint.route.map((route) => ({ method: 'GET', path: fill(`/admin/queues${route === '/' ? '' : route}`) })),
    ...appRoutes.api.map(({ method, route }) => ({ method: method.toUpperCase(), path: fill(`/admin/queues${route}`) })),
  ];
}

/** JSON nested `depth` arrays deep around `{}`: text JSON.stringify could not write back. */
const nested = (depth: number) => `${'['.repeat(depth)}{}${']'.repeat(depth)}`;

describe('hardening findings (sqlite)', () => {
  let herald: TestHerald;
  let svix: Svix;
  let receiver: Receiver;
  const port = () => Number(new URL(herald.url).port);
  const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token !== null) headers.set('authorization', `Bearer ${init.token ?? herald.token}`);
    if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return fetch(`${herald.url}${path}`, { ...init, headers });
  };
  const signIn = async () => {
    const response = await api('/api/v1/auth/session', { method: 'POST' });
    const cookies = response.headers.getSetCookie();
    return {
      session: cookies.find((cookie) => cookie.startsWith('herald_session='))!.split(';')[0],
      xsrf: cookies
        .find((cookie) => cookie.startsWith('XSRF-TOKEN='))
        ?.split(';')[0]
        .split('=')[1],
    };
  };

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({ env: { HERALD_RATE_LIMIT: '0', HERALD_RATE_LIMIT_ANONYMOUS: '0' } });
    svix = new Svix(herald.token, { serverUrl: herald.url });
  });
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  describe('1. Bull Board is closed without credentials, however the path is written', () => {
    const routes = bullBoardRoutes();
    const encoded = (path: string) => path.replace('/admin/queues', '/%61dmin/queu%65s');

    it.each([
      ['percent-encoded', (path: string) => encoded(path)],
      ['absolute-form', (path: string) => `http://127.0.0.1:${port()}${path}`],
      ['with a #fragment', (path: string) => `${path}#x`],
    ])('answers 401 (never 2xx) to every Bull Board route %s', async (_, target) => {
      const answers = await Promise.all(
        routes.map(async ({ method, path }) => {
          const response = await rawRequest(port(), {
            method,
            target: target(path),
            headers: method === 'GET' ? [] : [['content-type', 'application/json']],
            body: method === 'GET' ? undefined : '{}',
          });
          return `${method} ${target(path)} ${response.status}`;
        }),
      );
      expect(answers.filter((answer) => !/ 401$/.test(answer))).toEqual([]);
      // The attack's own example did nothing: delivery is not paused.
      const { queues }: any = await (await api('/admin/queues/api/queues')).json();
      expect(queues.find((queue: { name: string }) => queue.name === 'deliveries').isPaused).toBe(false);
    });

    it('takes a change from a signed-in operator only with the anti-forgery header its own page sends', async () => {
      const { session, xsrf } = await signIn();
      const pause = (headers: Record<string, string>) =>
        api('/admin/queues/api/queues/deliveries/pause', { method: 'PUT', token: null, headers: { cookie: session, ...headers } });
      expect((await pause({})).status).toBe(403);
      expect((await pause({ 'x-xsrf-token': 'forged-forged-forged-forged-forged-forged-xx' })).status).toBe(403);
      expect((await pause({ 'x-xsrf-token': xsrf! })).status).toBe(200);
      expect(
        (await api('/admin/queues/api/queues/deliveries/resume', { method: 'PUT', token: null, headers: { cookie: session, 'x-xsrf-token': xsrf! } })).status,
      ).toBe(200);
      // Reading the board is a plain page load: the cookie is enough.
      expect((await api('/admin/queues/api/queues', { token: null, headers: { cookie: session } })).status).toBe(200);
    });
  });

  describe('2. deeply nested JSON', () => {
    let appId: string;
    beforeAll(async () => (appId = (await svix.application.create({ name: 'nesting' })).id));

    it.each([
      ['a message payload', () => `/api/v1/app/${appId}/msg`, (deep: string) => `{"eventType":"deep","payload":{"x":${deep}}}`],
      ['an event type schema', () => '/api/v1/event-type', (deep: string) => `{"name":"deep.schema","description":"d","schemas":{"1":${deep}}}`],
      ['an application (a field that is never nested)', () => '/api/v1/app', (deep: string) => `{"name":${deep}}`],
    ])('refuses %s nested past the limit with a 422 that says so, with or without an idempotency key', async (_, path, body) => {
      for (const depth of [65, 4_113, 10_000]) {
        for (const headers of [{}, { 'idempotency-key': `deep-${randomBytes(4).toString('hex')}` }] as Record<string, string>[]) {
          const response = await api(path(), { method: 'POST', body: body(nested(depth)), headers });
          expect({ depth, status: response.status }).toEqual({ depth, status: 422 });
          expect(JSON.stringify(await response.json())).toContain('HERALD_MAX_JSON_DEPTH');
        }
      }
      const messages = await svix.message.list(appId);
      expect(messages.data.filter((message) => message.eventType === 'deep')).toEqual([]);
    });

    it('accepts nesting up to the limit, and reads it back as sent', async () => {
      const payload = `{"x":${nested(61)}}`; // 64 levels with the payload and the body around it
      const response = await api(`/api/v1/app/${appId}/msg`, { method: 'POST', body: `{"eventType":"deep.ok","payload":${payload}}` });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      expect(await (await api(`/api/v1/app/${appId}/msg/${id}`)).text()).toContain(`"payload":${payload}`);
    });

    it('reads and lists a message stored deeper than JSON.stringify can go (as an older Herald stored them)', async () => {
      const message = await svix.message.create(appId, { eventType: 'deep.stored', payload: {} });
      const stored = `{"x":${nested(20_000)}}`;
      await herald.app.get(DataSource).getRepository(Message).update({ id: message.id }, { payload: stored });
      const one = await api(`/api/v1/app/${appId}/msg/${message.id}`);
      expect(one.status).toBe(200);
      expect(await one.text()).toContain(stored);
      expect((await api(`/api/v1/app/${appId}/msg`)).status).toBe(200);
    });
  });

  describe('3. a session cookie that cannot be read is no session, never a 500', () => {
    it.each([['%'], ['%E0%A4%A'], ['%FF%FE; herald_session=x'], ['%'.repeat(4_000)]])('herald_session=%.20s…', async (value) => {
      const cookie = `herald_session=${value}`;
      const headers = { cookie, 'x-herald-ui': '1' };
      expect((await api('/api/v1/app', { token: null, headers })).status).toBe(401);
      const status = await api('/api/v1/auth/session', { token: null, headers });
      expect(status.status).toBe(200);
      expect(await status.json()).toEqual({ signedIn: false });
      expect((await api('/admin/queues/api/queues', { token: null, headers })).status).toBe(401);
    });
  });

  describe('5. operator sessions can be ended', () => {
    it('ends a session on the server at sign-out: the old cookie opens nothing', async () => {
      const { session } = await signIn();
      const asUi = { cookie: session, 'x-herald-ui': '1' };
      expect((await api('/api/v1/app', { token: null, headers: asUi })).status).toBe(200);
      expect((await api('/api/v1/auth/session', { method: 'DELETE', token: null, headers: asUi })).status).toBe(204);
      expect((await api('/api/v1/app', { token: null, headers: asUi })).status).toBe(401);
      expect((await api('/admin/queues/api/queues', { token: null, headers: { cookie: session } })).status).toBe(401);
    });

    it('does not let a session mint a fresh session', async () => {
      const { session } = await signIn();
      const response = await api('/api/v1/auth/session', { method: 'POST', token: null, headers: { cookie: session, 'x-herald-ui': '1' } });
      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie()).toEqual([]);
    });
  });

  describe('6. PUT stores only ids that create would accept', () => {
    it.each([
      ['an application', '/api/v1/app/%0d%0aX-Injected:%201', { name: 'x' }, ['path', 'app_id']],
      ['an event type', '/api/v1/event-type/%0d%0aX-Injected:%201', { description: 'x' }, ['path', 'event_type_name']],
      ['an endpoint', '/api/v1/app/{app}/endpoint/%0d%0aX-Injected:%201', { url: 'https://example.com/hook' }, ['path', 'endpoint_id']],
    ])('refuses %s whose path id holds CR/LF, and creates nothing', async (_, path, body, loc) => {
      const app = await svix.application.create({ name: 'upsert' });
      const response = await api(path.replace('{app}', app.id), { method: 'PUT', body: JSON.stringify(body) });
      expect(response.status).toBe(422);
      expect(((await response.json()) as any).detail).toContainEqual(expect.objectContaining({ loc }));
      const listed = JSON.stringify([await svix.application.list({ limit: 250 }), await svix.eventType.list(), await svix.endpoint.list(app.id)]);
      expect(listed).not.toMatch(/X-Injected/i);
    });
  });

  describe('7. the SQLite database is readable by its owner only', () => {
    it('creates the file, its WAL and shared memory owner-only', async () => {
      const file = new URL(herald.config.databaseUrl.replace('sqlite:', 'file://')).pathname;
      for (const path of [file, `${file}-wal`, `${file}-shm`]) expect({ path, mode: (statSync(path).mode & 0o777).toString(8) }).toEqual({ path, mode: '600' });
    });
  });

  describe('8. custom header values that HTTP cannot send', () => {
    it.each([['\u0001'], ['\u007f'], ['ā'], ['😀'], ['a\u0000b']])('refuses %j at creation', async (value) => {
      const app = await svix.application.create({ name: 'headers' });
      const response = await api(`/api/v1/app/${app.id}/endpoint`, {
        method: 'POST',
        body: JSON.stringify({ url: 'https://example.com/hook', headers: { 'x-custom': value } }),
      });
      expect(response.status).toBe(422);
      expect(((await response.json()) as any).detail).toContainEqual(expect.objectContaining({ loc: ['body', 'headers', 'x-custom'] }));
    });

    it('accepts what HTTP can send (tabs, Latin-1) and delivers it', async () => {
      const app = await svix.application.create({ name: 'latin1' });
      const value = 'café\tcrème ±';
      await svix.endpoint.create(app.id, { url: receiver.on('/latin1', 200), headers: { 'x-custom': value } });
      await svix.message.create(app.id, { eventType: 'ping', payload: {} });
      const [webhook] = await waitFor('the delivery', () => (receiver.at('/latin1').length ? receiver.at('/latin1') : undefined));
      expect(Buffer.from(webhook.headers['x-custom'], 'latin1').toString('latin1')).toBe(value);
    });
  });

  describe('10. smaller leaks', () => {
    it('keeps credentials in endpoint URLs out of the connected event', async () => {
      const app = await svix.application.create({ name: 'userinfo' });
      await svix.endpoint.create(app.id, { url: 'https://admin:hunter2-hunter2@example.com/hook?token=s3cr3t-s3cr3t&shop=1' });
      const { token } = (await (await api('/api/v1/auth/stream-token', { method: 'POST', body: '{}' })).json()) as { token: string };
      const client = new SseClient(`${herald.url}/api/v1/app/${app.id}/stream?token=${token}`);
      try {
        const [connected] = await waitFor('connected', () => (client.of('connected').length ? client.of('connected') : undefined));
        expect(connected.data.endpoints[0].url).toBe('https://admin:***@example.com/hook?token=***&shop=1');
      } finally {
        client.close();
      }
    });

    it('answers a token limited to one application the same 404 for an existing and a missing other one', async () => {
      const [own, other] = [await svix.application.create({ name: 'own' }), await svix.application.create({ name: 'other' })];
      const { token } = (await (await api('/api/v1/auth/stream-token', { method: 'POST', body: JSON.stringify({ appId: own.id }) })).json()) as {
        token: string;
      };
      const status = async (appId: string) => {
        const response = await fetch(`${herald.url}/api/v1/app/${appId}/stream?token=${token}`);
        return { status: response.status, body: await response.text() };
      };
      const existing = await status(other.id);
      expect(existing.status).toBe(404);
      expect(await status('app_2ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toEqual(existing);
    });

    it.each([['%'], ['_'], ['\\']])('matches tag=%s literally, never as a LIKE wildcard', async (wildcard) => {
      const app = await svix.application.create({ name: 'tags' });
      await svix.message.create(app.id, { eventType: 'tagged', payload: {}, tags: ['abc'] });
      expect((await svix.message.list(app.id, { tag: wildcard })).data).toEqual([]);
      expect((await svix.message.list(app.id, { tag: `a${wildcard}c` })).data).toEqual([]);
      expect((await svix.message.list(app.id, { tag: 'abc' })).data).toHaveLength(1);
    });

    it('matches channel=_ literally, never as a LIKE wildcard', async () => {
      const app = await svix.application.create({ name: 'channels' });
      await svix.message.create(app.id, { eventType: 'tagged', payload: {}, channels: ['abc'] });
      expect((await svix.message.list(app.id, { channel: 'a_c' })).data).toEqual([]);
      expect((await svix.message.list(app.id, { channel: 'abc' })).data).toHaveLength(1);
    });

    it('sends an anti-framing header with Bull Board, the API docs and the admin UI', async () => {
      for (const path of ['/admin/queues', '/api/docs', '/api/docs/openapi.json', '/ui/']) {
        const response = await api(path);
        expect({ path, status: response.status, frame: response.headers.get('x-frame-options') }).toEqual({ path, status: 200, frame: 'DENY' });
      }
    });
  });
});

describe('hardening findings: settings of their own', () => {
  it('5. ends a session at its absolute lifetime, however busy, and marks its cookies Secure behind https', async () => {
    const herald = await startTestHerald({ env: { HERALD_SESSION_TTL: '2s', HERALD_PUBLIC_URL: 'https://herald.example.com' } });
    try {
      const signIn = await fetch(`${herald.url}/api/v1/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${herald.token}` } });
      const cookies = signIn.headers.getSetCookie();
      expect(cookies.map((cookie) => cookie.split('=')[0]).sort()).toEqual(['XSRF-TOKEN', 'herald_session']);
      for (const cookie of cookies) expect(cookie).toMatch(/; Secure/);
      const headers = { cookie: cookies[0].split(';')[0], 'x-herald-ui': '1' };
      const deadline = Date.now() + 1_500;
      while (Date.now() < deadline) {
        expect((await fetch(`${herald.url}/api/v1/app`, { headers })).status).toBe(200);
        await sleep(250);
      }
      await waitFor('the session to lapse', async () => (await fetch(`${herald.url}/api/v1/app`, { headers })).status === 401, 3_000);
    } finally {
      await herald.close();
    }
  });

  it('4. names Redis and the database without their passwords in its logs', async () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const redis = await new PrivateRedis(password).start();
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-redact-'));
    const database = new URL(POSTGRES_ADMIN_URL);
    database.password = password; // trust auth ignores it; Herald must not print it
    const env = {
      DATABASE_URL: database.toString(),
      HERALD_DATA_DIR: dataDir,
      HERALD_API_TOKEN: 'redaction-test-token-0123',
      HERALD_QUEUE_PREFIX: `herald-redact-${randomBytes(3).toString('hex')}`,
    };
    try {
      for (const url of [
        `redis://:${password}@127.0.0.1:${redis.port}`,
        `redis://default:${password}@127.0.0.1:${redis.port}`,
        `redis://127.0.0.1:${redis.port}/0?password=${password}`,
      ]) {
        const herald = new HeraldProcess(ENTRYPOINT.allInOne, { ...env, REDIS_URL: url, HERALD_PORT: String(await freePort()) });
        try {
          await herald.ready();
        } finally {
          await herald.stop();
        }
        expect(herald.stdout + herald.stderr).toContain('Redis redis://');
        expect(herald.stdout + herald.stderr).not.toContain(password);
      }
      const unreachable = new HeraldProcess(ENTRYPOINT.allInOne, { ...env, REDIS_URL: `redis://:${password}@127.0.0.1:${await freePort()}` });
      await unreachable.exited();
      expect(unreachable.stderr).toContain('cannot reach Redis');
      expect(unreachable.stdout + unreachable.stderr).not.toContain(password);
    } finally {
      await redis.kill();
      rmSync(dataDir, { recursive: true, force: true });
      await deleteRedisPrefix(env.HERALD_QUEUE_PREFIX);
    }
  }, 120_000);

  it('requires HERALD_METRICS_TOKEN on /metrics when it is set', async () => {
    const herald = await startTestHerald({ env: { HERALD_METRICS_TOKEN: 'metrics-token-0123456789' } });
    try {
      expect((await fetch(`${herald.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${herald.url}/metrics`, { headers: { authorization: `Bearer ${herald.token}` } })).status).toBe(401);
      const scraped = await fetch(`${herald.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('herald_deliveries_total');
    } finally {
      await herald.close();
    }
  });
});

/** Two instances on one Redis prefix, as a deployment with two admin (or ingest) processes. */
describe('limits shared by every instance', () => {
  const prefix = `herald-shared-${randomBytes(4).toString('hex')}`;
  const token = `shared-token-${randomBytes(8).toString('hex')}`;
  let heralds: TestHerald[] = [];
  const start = (env: Record<string, string>) =>
    Promise.all([0, 1].map(() => startTestHerald({ env: { HERALD_QUEUE_PREFIX: prefix, HERALD_API_TOKEN: token, ...env } })));
  afterEach(async () => {
    await Promise.all(heralds.map((herald) => herald.close()));
    heralds = [];
    await deleteRedisPrefix(prefix);
  });

  it('rate-limits a credential across instances with 429 and Retry-After, and anonymous callers per address', async () => {
    heralds = await start({ HERALD_RATE_LIMIT: '10', HERALD_RATE_LIMIT_ANONYMOUS: '5' });
    await sleep(1_000 - (Date.now() % 1_000)); // start at the turn of a one-second window
    const statuses = await Promise.all(
      Array.from({ length: 16 }, (_, i) => fetch(`${heralds[i % 2].url}/api/v1/app`, { headers: { authorization: `Bearer ${token}` } })),
    );
    const limited = statuses.filter((response) => response.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(6);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited[0].json()).toMatchObject({ code: 'rate_limited' });

    const anonymous = [];
    for (let i = 0; i < 8; i++) anonymous.push((await fetch(`${heralds[i % 2].url}/api/v1/app`)).status);
    expect(anonymous.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(anonymous.slice(5)).toEqual([429, 429, 429]);
    // Health stays answerable for load balancers.
    expect((await fetch(`${heralds[0].url}/api/v1/health`)).status).toBe(204);
  });

  it('switches rate limiting off with 0', async () => {
    heralds = await start({ HERALD_RATE_LIMIT: '0', HERALD_RATE_LIMIT_ANONYMOUS: '0' });
    const statuses = await Promise.all(Array.from({ length: 40 }, () => fetch(`${heralds[0].url}/api/v1/app`).then((response) => response.status)));
    expect(new Set(statuses)).toEqual(new Set([401]));
  });

  it('caps concurrent streams per token across instances', async () => {
    heralds = await start({ HERALD_SSE_MAX_PER_TOKEN: '2' });
    const { token: streamToken } = (await (
      await fetch(`${heralds[0].url}/api/v1/auth/stream-token`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    ).json()) as { token: string };
    const clients = heralds.map((herald) => new SseClient(`${herald.url}/api/v1/stream?token=${streamToken}`));
    try {
      await waitFor('one stream on each instance', () => clients.every((client) => client.of('connected').length));
      for (const herald of heralds) expect((await fetch(`${herald.url}/api/v1/stream?token=${streamToken}`)).status).toBe(429);
      clients[0].close();
      await waitFor('the slot to free', async () => {
        const response = await fetch(`${heralds[1].url}/api/v1/stream?token=${streamToken}`);
        await response.body?.cancel();
        return response.status === 200;
      });
    } finally {
      clients.forEach((client) => client.close());
    }
  });
});
