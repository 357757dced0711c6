import { Svix } from 'svix';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { SseClient } from '../support/sse-client';
import { sleep, waitFor } from '../support/wait';

/** The live stream over a real port with a real SSE client (DESIGN §6). */
describe('live delivery stream (SSE)', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let svix: Svix;
  const clients: SseClient[] = [];
  const connect = (path: string, headers: Record<string, string> = { authorization: `Bearer ${herald.token}` }) => {
    const client = new SseClient(`${herald.url}${path}`, headers);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({
      env: { HERALD_RETRY_SCHEDULE: '0s,150ms,150ms', HERALD_STATS_INTERVAL: '300ms', HERALD_SSE_HEARTBEAT: '200ms', HERALD_SSE_MAX_PER_TOKEN: '3' },
    });
    svix = new Svix(herald.token, { serverUrl: herald.url });
  });

  // Streams count against the per-token cap until the server has seen them close: wait for that.
  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    const openStreams = async () => Number(/^herald_sse_connections(?:\{[^}]*\})? (\d+)/m.exec(await (await fetch(`${herald.url}/metrics`)).text())?.[1]);
    await waitFor('every stream closed on the server', async () => (await openStreams()) === 0);
  });

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  it('sends connected at once, with the endpoints in scope and the queue depths', async () => {
    const app = await svix.application.create({ name: 'Connected' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.on('/connected', 200), disabled: true });
    const client = connect(`/api/v1/app/${app.id}/stream`);
    const [connected] = await waitFor('connected', () => (client.of('connected').length ? client.of('connected') : undefined), 2_000);
    expect(connected.data.scope).toEqual({ appId: app.id });
    expect(connected.data.endpoints).toEqual([expect.objectContaining({ id: endpoint.id, appId: app.id, state: 'disabled' })]);
    expect(connected.data.queues.deliveries).toEqual(expect.objectContaining({ waiting: expect.any(Number), delayed: expect.any(Number) }));
  });

  it('sends one delivery event per attempt: succeeded, retrying then succeeded, retrying until exhausted', async () => {
    const app = await svix.application.create({ name: 'Outcomes' });
    const ok = await svix.endpoint.create(app.id, { url: receiver.on('/outcome-ok', 200) });
    const flaky = await svix.endpoint.create(app.id, { url: receiver.on('/outcome-flaky', [503, 200]) });
    const down = await svix.endpoint.create(app.id, { url: receiver.on('/outcome-down', 500) });
    const client = connect(`/api/v1/app/${app.id}/stream`);
    await waitFor('connected', () => client.of('connected').length);

    const message = await svix.message.create(app.id, { eventType: 'order.created', payload: { n: 1 } });
    await waitFor('six delivery events', () => client.of('delivery').length >= 6);
    await sleep(500); // nothing more may come
    const deliveries = client.of('delivery');
    expect(deliveries).toHaveLength(6);
    const byEndpoint = (id: string) => deliveries.filter((event) => event.data.endpointId === id).map((event) => event.data);

    expect(byEndpoint(ok.id).map((d) => [d.attempt, d.status, d.responseStatusCode])).toEqual([[1, 'succeeded', 200]]);
    expect(byEndpoint(flaky.id).map((d) => [d.attempt, d.status, d.responseStatusCode])).toEqual([
      [1, 'retrying', 503],
      [2, 'succeeded', 200],
    ]);
    expect(byEndpoint(down.id).map((d) => [d.attempt, d.status])).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'exhausted'],
    ]);
    for (const d of deliveries.map((event) => event.data)) {
      expect(d).toMatchObject({ appId: app.id, msgId: message.id, eventType: 'order.created' });
      expect(typeof d.durationMs).toBe('number');
      expect(d.nextAttemptAt === null).toBe(d.status !== 'retrying');
    }
    const ids = deliveries.map((event) => event.id);
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(6);
  });

  it('sends endpoint events when an endpoint is disabled and enabled', async () => {
    const app = await svix.application.create({ name: 'States' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.on('/states', 200) });
    const client = connect(`/api/v1/app/${app.id}/endpoint/${endpoint.id}/stream`);
    await waitFor('connected', () => client.of('connected').length);
    await svix.endpoint.patch(app.id, endpoint.id, { disabled: true });
    await svix.endpoint.patch(app.id, endpoint.id, { disabled: false });
    await waitFor('two endpoint events', () => client.of('endpoint').length >= 2);
    expect(client.of('endpoint').map((event) => event.data.state)).toEqual(['disabled', 'enabled']);
  });

  it('sends stats on the interval, agreeing with the stats route', async () => {
    const app = await svix.application.create({ name: 'Stats' });
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.on('/stats', [500, 200]) });
    const client = connect(`/api/v1/app/${app.id}/endpoint/${endpoint.id}/stream`);
    await waitFor('connected and a first stats event', () => client.of('connected').length && client.of('stats').length);
    for (let i = 0; i < 3; i++) await svix.message.create(app.id, { eventType: 'stats.check', payload: { i } });
    await waitFor('four attempts', () => client.of('delivery').length >= 4);

    const stats = await waitFor('a stats event counting them', () => {
      const latest = client.of('stats').at(-1);
      return latest?.data.endpoints[endpoint.id]?.attempts === 4 ? latest.data : undefined;
    });
    expect(client.of('stats').length).toBeGreaterThanOrEqual(2);
    expect(stats.endpoints[endpoint.id]).toMatchObject({ appId: app.id, attempts: 4, succeeded: 3, retrying: 1, exhausted: 0, failed: 0 });
    expect(stats.total).toMatchObject({ attempts: 4, succeeded: 3, retrying: 1 });
    expect(stats.endpoints[endpoint.id].p99).toEqual(expect.any(Number));
    expect(Object.keys(stats.endpoints)).toEqual([endpoint.id]); // scoped to the endpoint

    const route: any = await (
      await fetch(`${herald.url}/api/v1/app/${app.id}/endpoint/${endpoint.id}/stats`, { headers: { authorization: `Bearer ${herald.token}` } })
    ).json();
    const { appId: _appId, ...fromEvent } = stats.endpoints[endpoint.id];
    expect(route.window).toEqual({ windowMs: stats.windowMs, ...fromEvent });
    expect(route).toMatchObject({ success: 3, fail: 0, pending: 0 });
    // `recent` counts each tick's attempts; over the ticks they add up to what happened.
    const recentSum = () => client.of('stats').reduce((sum, event) => sum + (event.data.recent?.attempts ?? 0), 0);
    await waitFor('recent counts adding up to the four attempts', () => recentSum() === 4);
    const busy = client.of('stats').find((event) => event.data.recent?.attempts > 0)!.data.recent;
    expect(busy).toMatchObject({ intervalMs: expect.any(Number), perSecond: expect.any(Number) });
    expect(busy.perSecond).toBeGreaterThan(0);
    expect(busy.successRate).toBeGreaterThanOrEqual(0);
    expect(busy.successRate).toBeLessThanOrEqual(1);
  });

  it('resumes with Last-Event-ID: replays exactly what was missed, then goes live', async () => {
    const app = await svix.application.create({ name: 'Resume' });
    await svix.endpoint.create(app.id, { url: receiver.on('/resume', 200) });
    const path = `/api/v1/app/${app.id}/stream`;
    const reference = connect(path);
    const first = connect(path);
    await waitFor('both connected', () => reference.of('connected').length && first.of('connected').length);

    for (let i = 0; i < 3; i++) await svix.message.create(app.id, { eventType: 'resume', payload: { i } });
    await waitFor('three events', () => first.of('delivery').length >= 3);
    first.close();
    const lastSeen = first.of('delivery').at(-1)!.id;

    for (let i = 3; i < 8; i++) await svix.message.create(app.id, { eventType: 'resume', payload: { i } });
    await waitFor('eight events on the reference stream', () => reference.of('delivery').length >= 8);

    const resumed = connect(path, { authorization: `Bearer ${herald.token}`, 'last-event-id': lastSeen });
    await waitFor('five replayed events', () => resumed.of('delivery').length >= 5);
    for (let i = 8; i < 10; i++) await svix.message.create(app.id, { eventType: 'resume', payload: { i } });
    await waitFor('ten events on the reference stream', () => reference.of('delivery').length >= 10);
    await waitFor('seven events after resuming', () => resumed.of('delivery').length >= 7);
    await sleep(300);

    const ids = (client: SseClient) => client.of('delivery').map((event) => event.id);
    expect(resumed.of('connected')[0].data.resumedAfter).toBe(lastSeen);
    expect([...ids(first), ...ids(resumed)]).toEqual(ids(reference)); // no gap, no repeat, same order
    expect(ids(resumed)).toHaveLength(7);

    // A browser that opens a new EventSource (with a fresh stream token) passes the id as ?lastEventId=.
    const byQuery = connect(`${path}?lastEventId=${lastSeen}`);
    await waitFor('seven events replayed by query', () => byQuery.of('delivery').length >= 7);
    await sleep(300);
    expect(ids(byQuery)).toEqual(ids(resumed));
  });

  it('answers HEAD on a stream with its headers and an end (found by the hostile-input fuzzer: it held the request open)', async () => {
    const app = await svix.application.create({ name: 'Head' });
    const endpoint = await svix.endpoint.create(app.id, { url: 'https://example.com/head' });
    for (const path of ['/api/v1/stream', `/api/v1/app/${app.id}/stream`, `/api/v1/app/${app.id}/endpoint/${endpoint.id}/stream`]) {
      const response = await fetch(`${herald.url}${path}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${herald.token}` },
        signal: AbortSignal.timeout(5_000),
      });
      expect({ path, status: response.status, type: response.headers.get('content-type') }).toEqual({ path, status: 200, type: 'text/event-stream' });
    }
    expect((await fetch(`${herald.url}/api/v1/stream`, { method: 'HEAD', signal: AbortSignal.timeout(5_000) })).status).toBe(401);
  });

  it('sends heartbeat comments', async () => {
    const response = await fetch(`${herald.url}/api/v1/stream`, { headers: { authorization: `Bearer ${herald.token}` } });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const reader = response.body!.getReader();
    let text = '';
    const deadline = Date.now() + 3_000;
    while (!text.includes(': heartbeat') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toContain('event: connected');
    expect(text).toContain(': heartbeat\n\n');
  });

  describe('auth', () => {
    const status = async (path: string, headers: Record<string, string> = {}) => {
      const controller = new AbortController();
      const response = await fetch(`${herald.url}${path}`, { headers, signal: controller.signal });
      const body = response.headers.get('content-type')?.includes('json') ? await response.json() : undefined;
      controller.abort();
      return { status: response.status, body };
    };

    it('refuses a stream without a token, or with a wrong one, with 401', async () => {
      expect(await status('/api/v1/stream')).toEqual({ status: 401, body: expect.objectContaining({ code: 'authentication_failed' }) });
      expect((await status('/api/v1/stream', { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await status('/api/v1/stream?token=hst_forged.token')).status).toBe(401);
    });

    it('accepts a stream token in ?token= for EventSource, limited to its application when asked', async () => {
      const app = await svix.application.create({ name: 'Token' });
      const other = await svix.application.create({ name: 'Other' });
      const issue = async (body: object): Promise<any> =>
        (
          await fetch(`${herald.url}/api/v1/auth/stream-token`, {
            method: 'POST',
            headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json();

      const { token, expiresAt } = await issue({});
      expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
      const client = connect(`/api/v1/stream?token=${token}`, {});
      await waitFor('connected with a stream token', () => client.of('connected').length);

      const scoped = await issue({ appId: app.id });
      // Another application's stream answers as if there were no such application: the token tells nothing of others.
      const elsewhere = await status(`/api/v1/app/${other.id}/stream?token=${scoped.token}`);
      expect(elsewhere).toEqual({ status: 404, body: { code: 'not_found', detail: 'Application not found' } });
      expect(await status(`/api/v1/app/app_nonexistent/stream?token=${scoped.token}`)).toEqual(elsewhere);
      const own = connect(`/api/v1/app/${app.id}/stream?token=${scoped.token}`, {});
      await waitFor('connected to its own app', () => own.of('connected').length);
      // A stream token is read-only: the API refuses it.
      expect((await fetch(`${herald.url}/api/v1/app`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    });

    it('caps concurrent streams per token with 429', async () => {
      const { token }: any = await (
        await fetch(`${herald.url}/api/v1/auth/stream-token`, { method: 'POST', headers: { authorization: `Bearer ${herald.token}` } })
      ).json();
      const open = [1, 2, 3].map(() => connect(`/api/v1/stream?token=${token}`, {}));
      await waitFor('three connected', () => open.every((client) => client.of('connected').length));
      const fourth = await status(`/api/v1/stream?token=${token}`);
      expect(fourth).toEqual({ status: 429, body: expect.objectContaining({ code: 'too_many_streams' }) });
      open[0].close();
      await waitFor('a slot to free up', async () => (await status(`/api/v1/stream?token=${token}`)).status === 200);
    });
  });
});

describe('Bull Board and metrics', () => {
  let herald: TestHerald;
  beforeAll(async () => (herald = await startTestHerald()));
  afterAll(async () => herald?.close());

  it('refuses anonymous access to Bull Board', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const response = await fetch(`${herald.url}${path}`);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'authentication_failed' });
    }
    expect((await fetch(`${herald.url}/admin/queues`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`${herald.url}/admin/queues`, { headers: { cookie: 'herald_session=hst_forged.x' } })).status).toBe(401);
  });

  it('serves an operator with the API token, showing every Herald queue', async () => {
    const headers = { authorization: `Bearer ${herald.token}` };
    const page = await fetch(`${herald.url}/admin/queues`, { headers });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const { queues }: any = await (await fetch(`${herald.url}/admin/queues/api/queues`, { headers })).json();
    expect(queues.map((queue: { name: string }) => queue.name).sort()).toEqual(['deliveries', 'first-attempts']);
  });

  it('serves an operator with the session cookie from sign-in, until sign-out', async () => {
    const signIn = await fetch(`${herald.url}/api/v1/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${herald.token}` } });
    expect(signIn.status).toBe(204);
    const cookie = signIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^herald_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict/);
    const session = cookie.split(';')[0];
    expect((await fetch(`${herald.url}/admin/queues/api/queues`, { headers: { cookie: session } })).status).toBe(200);

    const signOut = await fetch(`${herald.url}/api/v1/auth/session`, { method: 'DELETE', headers: { cookie: session, 'x-herald-ui': '1' } });
    expect(signOut.headers.get('set-cookie')).toContain('Max-Age=0');
    // Ended on the server: the cookie's old value opens nothing any more.
    expect((await fetch(`${herald.url}/admin/queues/api/queues`, { headers: { cookie: session } })).status).toBe(401);
  });

  it('lets the admin UI call the API with the session cookie plus x-herald-ui, and not with either alone', async () => {
    const signIn = await fetch(`${herald.url}/api/v1/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${herald.token}` } });
    const session = signIn.headers.get('set-cookie')!.split(';')[0];
    const call = (path: string, headers: Record<string, string>, method = 'GET') => fetch(`${herald.url}${path}`, { method, headers });

    expect((await call('/api/v1/app', { cookie: session, 'x-herald-ui': '1' })).status).toBe(200);
    expect((await call('/api/v1/app', { cookie: session })).status).toBe(401); // a cross-site form could send the cookie, not the header
    expect((await call('/api/v1/app', { 'x-herald-ui': '1' })).status).toBe(401);
    expect((await call('/api/v1/app', { cookie: 'herald_session=hst_forged.x', 'x-herald-ui': '1' })).status).toBe(401);

    const issued = await call('/api/v1/auth/stream-token', { cookie: session, 'x-herald-ui': '1' }, 'POST');
    expect(issued.status).toBe(201);
    const { token }: any = await issued.json();
    const response = await fetch(`${herald.url}/api/v1/stream?token=${token}`);
    expect(response.status).toBe(200);
    await response.body?.cancel();
  });

  it('serves Prometheus metrics', async () => {
    const response = await fetch(`${herald.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const name of [
      'herald_deliveries_total',
      'herald_attempt_duration_seconds',
      'herald_queue_jobs',
      'herald_sse_connections',
      'herald_sse_slow_clients_dropped_total',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).toMatch(/herald_queue_jobs\{(?=[^}]*queue="deliveries")(?=[^}]*state="waiting")[^}]*\} \d+/);
  });
});
