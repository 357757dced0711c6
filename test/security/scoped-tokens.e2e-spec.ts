import { startTestHerald, TestHerald } from '../support/herald';
import { RawHeader, rawRequest, RawResponse } from '../support/raw-http';
import { Receiver } from '../support/receiver';
import { waitFor } from '../support/wait';

/**
 * An attacker holding a portal token (or API key) for application A, after application B's data, over bare
 * TCP so that nothing is normalised on the way: B by id and by uid, percent-encoded, behind dot segments and
 * encoded slashes, in absolute-form request lines, B's rows addressed through A's own path, B's uid made to
 * spell A's id, a portal token where only stream tokens go. No answer may be a 2xx or carry B's data, and
 * every way of naming B gets the answer a missing application gets.
 */
describe('scoped tokens under attack', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let port: number;
  const a = { id: '', endpointId: '', msgId: '' };
  const b = { id: '', endpointId: '', endpointUid: 'b-endpoint', msgId: '', attemptId: '' };
  /** What only B has: none of it may appear in any answer. */
  const B_SECRETS = ['b-private-marker', '/b-hook'];
  let token: string;

  async function api(method: string, path: string, body?: unknown, bearer = herald.token): Promise<any> {
    const response = await fetch(`${herald.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  const send = (method: string, target: string, headers: RawHeader[] = [['authorization', `Bearer ${token}`]], body?: string): Promise<RawResponse> =>
    rawRequest(port, { method, target, headers: body ? [...headers, ['content-type', 'application/json']] : headers, body });

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({ env: { HERALD_RETRY_SCHEDULE: '0s', HERALD_RATE_LIMIT: '1000000', HERALD_RATE_LIMIT_ANONYMOUS: '1000000' } });
    port = Number(new URL(herald.url).port);
    await api('POST', '/api/v1/event-type', { name: 'x.happened', description: 'x' });
    // B before A, so that B's row comes first in the table; then B's uid is made to spell A's id: a path
    // naming A's id must still mean A, for A's token and everyone else.
    b.id = (await api('POST', '/api/v1/app', { name: 'B' })).id;
    a.id = (await api('POST', '/api/v1/app', { name: 'A', uid: 'tenant-a' })).id;
    await api('PATCH', `/api/v1/app/${b.id}`, { uid: a.id });
    a.endpointId = (await api('POST', `/api/v1/app/${a.id}/endpoint`, { url: receiver.on('/a-hook', 200) })).id;
    a.msgId = (await api('POST', `/api/v1/app/${a.id}/msg`, { eventType: 'x.happened', payload: { n: 1 } })).id;
    b.endpointId = (await api('POST', `/api/v1/app/${b.id}/endpoint`, { url: receiver.on('/b-hook', 200), uid: b.endpointUid })).id;
    b.msgId = (await api('POST', `/api/v1/app/${b.id}/msg`, { eventType: 'x.happened', payload: { marker: 'b-private-marker' } })).id;
    b.attemptId = await waitFor('B’s attempt', async () => (await api('GET', `/api/v1/app/${b.id}/attempt/msg/${b.msgId}`)).data[0]?.id);
    token = (await api('POST', `/api/v1/auth/app-portal-access/${a.id}`, {})).token;
  }, 60_000);

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  function leaks(response: RawResponse): string | undefined {
    const body = response.body.toString('utf8');
    return B_SECRETS.find((secret) => body.includes(secret)) ?? (body.includes(b.endpointId) || body.includes(b.msgId) ? 'an id of B' : undefined);
  }

  it('answers every way of naming B exactly as a missing application, and never with B’s data', async () => {
    const missing = await send('GET', '/api/v1/app/app_2ZZZZZZZZZZZZZZZZZZZZZZZZZ/endpoint');
    expect(missing.status).toBe(404);
    const host = `127.0.0.1:${port}`;
    const names = [b.id, encodeURIComponent(b.id).replace('a', '%61'), b.id.toLowerCase(), `${a.id}%2F..%2F${b.id}`];
    const targets = [
      ...names.map((name) => `/api/v1/app/${name}/endpoint`),
      `/api/v1/app/${a.id}/../${b.id}/endpoint`,
      `/api/v1/app/${a.id}/%2E%2E/${b.id}/endpoint`,
      `/api/v1//app/${b.id}/endpoint`,
      `http://${host}/api/v1/app/${b.id}/endpoint`,
      `http://evil.example/api/v1/app/${b.id}/endpoint`,
      `/api/v1/app/${b.id}/endpoint/${b.endpointId}/secret`,
      `/api/v1/app/${b.id}/msg/${b.msgId}?with_content=true`,
      `/api/v1/app/${b.id}/stream`,
    ];
    const answers = await Promise.all(targets.map(async (target) => ({ target, response: await send('GET', target) })));
    for (const { target, response } of answers) {
      expect({ target, status: response.status, leak: leaks(response) }).toEqual({ target, status: 404, leak: undefined });
      if (target.endsWith('/endpoint') && !target.includes('..') && !target.includes('%2E') && !target.includes('//app'))
        expect({ target, body: response.body.toString() }).toEqual({ target, body: missing.body.toString() });
    }
  });

  it('finds none of B’s rows through A’s own path, by id or uid, read or write', async () => {
    const own = `/api/v1/app/${a.id}`;
    const probes: [string, string, string?][] = [
      ['GET', `${own}/endpoint/${b.endpointId}`],
      ['GET', `${own}/endpoint/${b.endpointUid}`],
      ['GET', `${own}/endpoint/${b.endpointId}/secret`],
      ['GET', `${own}/endpoint/${b.endpointId}/headers`],
      ['GET', `${own}/endpoint/${b.endpointId}/stats`],
      ['GET', `${own}/attempt/endpoint/${b.endpointId}`],
      ['GET', `${own}/attempt/msg/${b.msgId}`],
      ['GET', `${own}/msg/${b.msgId}`],
      ['GET', `${own}/msg/${b.msgId}/attempt/${b.attemptId}`],
      ['GET', `${own}/msg/${a.msgId}/attempt/${b.attemptId}`],
      ['GET', `${own}/endpoint/${b.endpointId}/msg`],
      ['GET', `${own}/msg/${b.msgId}/endpoint`],
      ['GET', `${own}/endpoint/${b.endpointId}/stream`],
      ['PATCH', `${own}/endpoint/${b.endpointId}`, JSON.stringify({ disabled: true })],
      ['DELETE', `${own}/endpoint/${b.endpointId}`],
      ['POST', `${own}/endpoint/${b.endpointId}/secret/rotate`, '{}'],
      ['POST', `${own}/endpoint/${b.endpointId}/recover`, JSON.stringify({ since: new Date(Date.now() - 3_600_000).toISOString() })],
      ['POST', `${own}/msg/${b.msgId}/endpoint/${b.endpointId}/resend`, '{}'],
      ['POST', `${own}/msg/${a.msgId}/endpoint/${b.endpointId}/resend`, '{}'],
      ['PUT', `${own}/endpoint/${b.endpointUid}/headers`, JSON.stringify({ headers: { 'x-owned': '1' } })],
    ];
    for (const [method, target, body] of probes) {
      const response = await send(method, target, undefined, body);
      expect({ method, target, status: response.status, leak: leaks(response) }).toEqual({ method, target, status: 404, leak: undefined });
    }
    // B is as it was.
    const endpoint = await api('GET', `/api/v1/app/${b.id}/endpoint/${b.endpointId}`);
    expect(endpoint.disabled).toBe(false);
    expect((await api('GET', `/api/v1/app/${b.id}/endpoint/${b.endpointId}/headers`)).headers).toEqual({});
    expect(receiver.at('/b-hook')).toHaveLength(1);
  });

  it('reads A through its id even though B’s uid spells it, and only A', async () => {
    const response = await send('GET', `/api/v1/app/${a.id}/endpoint`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString()).data.map((endpoint: { id: string }) => endpoint.id)).toEqual([a.endpointId]);
    expect((await send('GET', '/api/v1/app/tenant-a/endpoint')).status).toBe(200);
    // A token of B's, naming B by the uid that spells A's id, reaches neither.
    const bToken = (await api('POST', `/api/v1/auth/app-portal-access/${b.id}`, {})).token;
    expect((await send('GET', `/api/v1/app/${a.id}/endpoint`, [['authorization', `Bearer ${bToken}`]])).status).toBe(404);
  });

  it('takes the token only where a token goes: not in ?token=, not as the cookie without the portal’s header', async () => {
    expect((await send('GET', `/api/v1/app/${a.id}/endpoint?token=${token}`, [])).status).toBe(401);
    expect((await send('GET', `/api/v1/app/${a.id}/stream?token=${token}`, [])).status).toBe(401);
    expect((await send('GET', `/api/v1/app/${a.id}/endpoint`, [['cookie', `herald_portal=${token}`]])).status).toBe(401);
    expect(
      (
        await send('GET', `/api/v1/app/${a.id}/endpoint`, [
          ['cookie', `herald_portal=${token}`],
          ['x-herald-portal', '1'],
        ])
      ).status,
    ).toBe(200);
    // A cookie naming B's token scheme but forged, or broken, is no credential and never a 5xx.
    for (const cookie of ['herald_portal=hpt_' + 'A'.repeat(43), 'herald_portal=%ZZ', 'herald_portal=' + 'x'.repeat(5000)])
      expect(
        (
          await send('GET', `/api/v1/app/${a.id}/endpoint`, [
            ['cookie', cookie],
            ['x-herald-portal', '1'],
          ])
        ).status,
      ).toBe(401);
  });

  it('is never answered, through an idempotency key, what another credential stored under that key', async () => {
    const target = `/api/v1/app/${b.id}/msg/${b.msgId}/endpoint/${b.endpointId}/resend`;
    const first = await send(
      'POST',
      target,
      [
        ['authorization', `Bearer ${herald.token}`],
        ['idempotency-key', 'resend-b-1'],
      ],
      '{}',
    );
    expect(first.status).toBe(202);
    // The idempotency hook runs before the guard: a replay there would have let A's token resend to B.
    const replay = await send(
      'POST',
      target,
      [
        ['authorization', `Bearer ${token}`],
        ['idempotency-key', 'resend-b-1'],
      ],
      '{}',
    );
    expect({ status: replay.status, replayed: replay.headers['idempotent-replayed'] }).toEqual({ status: 404, replayed: undefined });
  });

  it('opens no stream beyond A: not every application’s, not B’s, with a stream token it minted or its own', async () => {
    const stream = JSON.parse((await send('POST', '/api/v1/auth/stream-token', undefined, JSON.stringify({}))).body.toString()).token;
    expect((await send('GET', `/api/v1/stream?token=${stream}`, [['accept', 'text/event-stream']])).status).toBe(403);
    expect((await send('GET', `/api/v1/app/${b.id}/stream?token=${stream}`, [])).status).toBe(404);
    expect((await send('POST', '/api/v1/auth/stream-token', undefined, JSON.stringify({ appId: b.id }))).status).toBe(404);
    expect((await send('POST', '/api/v1/auth/stream-token', undefined, JSON.stringify({ appId: 'nope' }))).status).toBe(404);
  });
});
