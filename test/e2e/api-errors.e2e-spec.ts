import { startTestHerald, TestHerald } from '../support/herald';

/**
 * Status codes and error bodies of the Svix v1 API, over plain HTTP (global fetch), against a real Herald:
 * `{ code, detail }` for 400, 401, 404, 409 and 413; `{ detail: [{ loc, msg, type }] }` for 422; never a 500
 * for bad input. Plus the OpenAPI document.
 */

const MAX_PAYLOAD_BYTES = 2048;

interface Answer {
  status: number;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: any;
  text: string;
  contentType: string;
}

interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, instead of `body`. */
  raw?: string;
  contentType?: string;
  /** The bearer token; null sends no Authorization header. Defaults to the right token. */
  token?: string | null;
  authorization?: string;
}

interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

describe('API errors over raw HTTP (sqlite)', () => {
  let herald: TestHerald;
  let appId: string;
  let endpointId: string;

  async function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = options.token === undefined ? herald.token : options.token;
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if ('body' in options) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';

    const response = await fetch(`${herald.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, body, text, contentType: response.headers.get('content-type') ?? '' };
  }

  /** Svix's error body: `{ code, detail }`, both strings, sent as JSON. */
  function expectErrorBody(answer: Answer, code?: string): void {
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toEqual({ code: code ?? expect.any(String), detail: expect.any(String) });
    expect(answer.body.code).not.toBe('');
  }

  /** Svix's 422 body: `detail` is a list of `{ loc, msg, type }`, one of which is at `loc`. */
  function expectValidationError(answer: Answer, ...locs: (string | number)[][]): void {
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 422, text: expect.any(String) });
    expect(answer.contentType).toMatch(/^application\/json/);
    const detail = answer.body?.detail as FieldError[];
    expect(Array.isArray(detail)).toBe(true);
    expect(detail.length).toBeGreaterThan(0);
    for (const item of detail) {
      expect(item).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
      expect(item.msg).not.toBe('');
    }
    for (const loc of locs) expect(detail.map((item) => item.loc)).toContainEqual(loc);
  }

  beforeAll(async () => {
    herald = await startTestHerald({
      database: 'sqlite',
      env: { HERALD_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES), HERALD_RETRY_SCHEDULE: '0s' },
    });
    const app = await call('POST', '/api/v1/app', { body: { name: 'Errors' } });
    expect(app.status).toBe(201);
    appId = app.body.id;
    // disabled, so the one valid message below is never attempted
    const endpoint = await call('POST', `/api/v1/app/${appId}/endpoint`, { body: { url: 'http://127.0.0.1:9/hook', disabled: true } });
    expect(endpoint.status).toBe(201);
    endpointId = endpoint.body.id;
  });

  afterAll(async () => {
    await herald?.close();
  });

  describe('401 authentication', () => {
    it('answers 401 { code, detail } when the Authorization header is missing', async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/app'],
        ['POST', '/api/v1/app'],
        ['GET', `/api/v1/app/${appId}/endpoint`],
        ['GET', '/api/v1/app/app_doesnotexist'],
      ]) {
        const answer = await call(method, path, { token: null, ...(method === 'POST' ? { body: { name: 'x' } } : {}) });
        expect({ method, path, status: answer.status }).toEqual({ method, path, status: 401 });
        expectErrorBody(answer, 'authentication_failed');
      }
    });

    it('answers 401 { code, detail } for a wrong token or a non-Bearer scheme', async () => {
      const wrong = await call('GET', '/api/v1/app', { token: `${herald.token}x` });
      expect(wrong.status).toBe(401);
      expectErrorBody(wrong, 'authentication_failed');

      const basic = await call('GET', '/api/v1/app', { authorization: `Basic ${Buffer.from(`user:${herald.token}`).toString('base64')}` });
      expect(basic.status).toBe(401);
      expectErrorBody(basic, 'authentication_failed');

      const created = await call('POST', '/api/v1/app', { token: 'not-the-token-at-all', body: { name: 'Intruder' } });
      expect(created.status).toBe(401);
      const list = await call('GET', '/api/v1/app?limit=250');
      expect(list.body.data.map((app: { name: string }) => app.name)).not.toContain('Intruder');
    });
  });

  describe('404 not found', () => {
    interface NotFoundCase {
      label: string;
      method: string;
      path: () => string;
      body?: unknown;
    }
    const cases: NotFoundCase[] = [
      { label: 'an unknown application id', method: 'GET', path: () => '/api/v1/app/app_doesnotexist' },
      { label: 'an unknown application uid', method: 'GET', path: () => '/api/v1/app/no-such-uid' },
      { label: 'updating an unknown application (PATCH)', method: 'PATCH', path: () => '/api/v1/app/app_doesnotexist', body: { name: 'x' } },
      { label: 'deleting an unknown application', method: 'DELETE', path: () => '/api/v1/app/app_doesnotexist' },
      { label: 'a message to an unknown application', method: 'POST', path: () => '/api/v1/app/app_doesnotexist/msg', body: { eventType: 'a.b', payload: {} } },
      { label: 'endpoints of an unknown application', method: 'GET', path: () => '/api/v1/app/app_doesnotexist/endpoint' },
      { label: 'an unknown endpoint', method: 'GET', path: () => `/api/v1/app/${appId}/endpoint/ep_doesnotexist` },
      { label: 'the secret of an unknown endpoint', method: 'GET', path: () => `/api/v1/app/${appId}/endpoint/ep_doesnotexist/secret` },
      { label: 'the headers of an unknown endpoint', method: 'GET', path: () => `/api/v1/app/${appId}/endpoint/ep_doesnotexist/headers` },
      { label: 'the stats of an unknown endpoint', method: 'GET', path: () => `/api/v1/app/${appId}/endpoint/ep_doesnotexist/stats` },
      { label: 'deleting an unknown endpoint', method: 'DELETE', path: () => `/api/v1/app/${appId}/endpoint/ep_doesnotexist` },
      { label: 'an unknown message', method: 'GET', path: () => `/api/v1/app/${appId}/msg/msg_doesnotexist` },
      { label: 'attempts of an unknown endpoint', method: 'GET', path: () => `/api/v1/app/${appId}/attempt/endpoint/ep_doesnotexist` },
      { label: 'attempts of an unknown message', method: 'GET', path: () => `/api/v1/app/${appId}/attempt/msg/msg_doesnotexist` },
      { label: 'destinations of an unknown message', method: 'GET', path: () => `/api/v1/app/${appId}/msg/msg_doesnotexist/endpoint` },
      { label: 'resending an unknown message', method: 'POST', path: () => `/api/v1/app/${appId}/msg/msg_doesnotexist/endpoint/${endpointId}/resend` },
      { label: 'an unknown event type', method: 'GET', path: () => '/api/v1/event-type/no.such.type' },
    ];

    it.each(cases)('answers 404 { code: "not_found", detail } for $label', async ({ method, path, body }) => {
      const answer = await call(method, path(), body === undefined ? {} : { body });
      expect(answer.status).toBe(404);
      expectErrorBody(answer, 'not_found');
    });
  });

  describe('409 conflict', () => {
    it('answers 409 { code, detail } for an application uid that is taken', async () => {
      expect((await call('POST', '/api/v1/app', { body: { name: 'One', uid: 'dup-app' } })).status).toBe(201);
      const second = await call('POST', '/api/v1/app', { body: { name: 'Two', uid: 'dup-app' } });
      expect(second.status).toBe(409);
      expectErrorBody(second, 'conflict');
    });

    it('answers 409 { code, detail } for an endpoint uid taken in the application', async () => {
      const body = { url: 'http://127.0.0.1:9/dup', uid: 'dup-endpoint', disabled: true };
      expect((await call('POST', `/api/v1/app/${appId}/endpoint`, { body })).status).toBe(201);
      const second = await call('POST', `/api/v1/app/${appId}/endpoint`, { body });
      expect(second.status).toBe(409);
      expectErrorBody(second);
    });

    it('answers 409 { code, detail } for an event type name that exists', async () => {
      const body = { name: 'dup.type', description: 'first' };
      expect((await call('POST', '/api/v1/event-type', { body })).status).toBe(201);
      const second = await call('POST', '/api/v1/event-type', { body });
      expect(second.status).toBe(409);
      expectErrorBody(second);
    });

    it('answers 409 { code, detail } for a message eventId used before in the application', async () => {
      const body = { eventType: 'dup.msg', payload: {}, eventId: 'dup-event' };
      expect((await call('POST', `/api/v1/app/${appId}/msg`, { body })).status).toBe(202);
      const second = await call('POST', `/api/v1/app/${appId}/msg`, { body });
      expect(second.status).toBe(409);
      expectErrorBody(second);
    });

    it('accepts one of several concurrent messages with the same eventId (one batch), and only that one', async () => {
      const others = Array.from({ length: 5 }, (_, i) => ({ eventType: 'dup.msg', payload: { i }, eventId: `dup-other-${i}` }));
      const same = Array.from({ length: 5 }, (_, i) => ({ eventType: 'dup.msg', payload: { i }, eventId: 'dup-concurrent' }));
      const answers = await Promise.all([...others, ...same].map((body) => call('POST', `/api/v1/app/${appId}/msg`, { body })));
      expect(answers.slice(0, 5).map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
      expect(
        answers
          .slice(5)
          .map((answer) => answer.status)
          .sort(),
      ).toEqual([202, 409, 409, 409, 409]);
      for (const answer of answers.slice(5).filter((a) => a.status === 409)) expectErrorBody(answer);
    });
  });

  describe('422 validation', () => {
    it('names a missing application name: loc ["body", "name"]', async () => {
      expectValidationError(await call('POST', '/api/v1/app', { body: {} }), ['body', 'name']);
      expectValidationError(await call('PUT', `/api/v1/app/${appId}`, { body: {} }), ['body', 'name']);
    });

    it('names a bad endpoint url: loc ["body", "url"]', async () => {
      expectValidationError(await call('POST', `/api/v1/app/${appId}/endpoint`, { body: { url: 'not a url' } }), ['body', 'url']);
      expectValidationError(await call('POST', `/api/v1/app/${appId}/endpoint`, { body: { url: 'ftp://example.com/hook' } }), ['body', 'url']);
      expectValidationError(await call('PATCH', `/api/v1/app/${appId}/endpoint/${endpointId}`, { body: { url: 'nope' } }), ['body', 'url']);
    });

    // Found by the hostile-input fuzzer: `version: null` reached a NOT NULL column and answered 500.
    it('takes a null for every nullable endpoint field in a PATCH: a null version keeps the stored one, as a PUT does', async () => {
      const created = await call('POST', `/api/v1/app/${appId}/endpoint`, {
        body: { url: 'https://example.com/nulls', version: 3, uid: 'nulls', filterTypes: ['a.b'], channels: ['c'], rateLimit: 5 },
      });
      expect(created.status).toBe(201);
      const id = (created.body as { id: string }).id;
      const nulls = { version: null, uid: null, filterTypes: null, channels: null, rateLimit: null, secret: null };
      const patched = await call('PATCH', `/api/v1/app/${appId}/endpoint/${id}`, { body: nulls });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id, version: 3, url: 'https://example.com/nulls' });
      const body = patched.body as Record<string, unknown>;
      for (const field of ['uid', 'filterTypes', 'channels', 'rateLimit']) expect(body[field] ?? null).toBeNull();
    });

    it('names every bad field of one body', async () => {
      const answer = await call('POST', `/api/v1/app/${appId}/endpoint`, { body: { url: 'not a url', uid: 'not a valid uid!' } });
      expectValidationError(answer, ['body', 'url'], ['body', 'uid']);
    });

    it('names the message fields: a payload that is not an object, a missing eventType', async () => {
      expectValidationError(await call('POST', `/api/v1/app/${appId}/msg`, { body: { eventType: 'a.b', payload: 'text' } }), ['body', 'payload']);
      expectValidationError(await call('POST', `/api/v1/app/${appId}/msg`, { body: { payload: {} } }), ['body', 'eventType']);
    });

    it('names a query parameter out of range: loc ["query", "limit"]', async () => {
      expectValidationError(await call('GET', '/api/v1/app?limit=1000'), ['query', 'limit']);
    });
  });

  describe('400 malformed JSON', () => {
    it('answers 400 { code, detail } for a body that is not valid JSON', async () => {
      const app = await call('POST', '/api/v1/app', { raw: '{"name": "half' });
      expect(app.status).toBe(400);
      expectErrorBody(app);

      const message = await call('POST', `/api/v1/app/${appId}/msg`, { raw: '{"eventType": "a.b", "payload": {' });
      expect(message.status).toBe(400);
      expectErrorBody(message);
    });
  });

  describe('413 payload too large', () => {
    it(`answers 413 { code, detail } for a body over HERALD_MAX_PAYLOAD_BYTES (${MAX_PAYLOAD_BYTES}) and accepts one under it`, async () => {
      const big = { eventType: 'big.one', payload: { padding: 'x'.repeat(MAX_PAYLOAD_BYTES + 500) } };
      const tooBig = await call('POST', `/api/v1/app/${appId}/msg`, { body: big });
      expect(tooBig.status).toBe(413);
      expectErrorBody(tooBig);

      const small = { eventType: 'small.one', payload: { padding: 'x'.repeat(MAX_PAYLOAD_BYTES - 600) } };
      expect(JSON.stringify(small).length).toBeLessThan(MAX_PAYLOAD_BYTES);
      expect((await call('POST', `/api/v1/app/${appId}/msg`, { body: small })).status).toBe(202);
    });
  });

  describe('no 500 for bad input', () => {
    /** `reject`: must be a 4xx. `any`: a 200 (e.g. an empty page) or a 4xx, never a 5xx. */
    type Expectation = 'reject' | 'any';
    const cases: { label: string; method: string; path: () => string; options: CallOptions; expect: Expectation }[] = [
      { label: 'an array as application body', method: 'POST', path: () => '/api/v1/app', options: { body: [] }, expect: 'reject' },
      { label: 'a string as application body', method: 'POST', path: () => '/api/v1/app', options: { body: 'just a string' }, expect: 'reject' },
      { label: 'null as application body', method: 'POST', path: () => '/api/v1/app', options: { body: null }, expect: 'reject' },
      { label: 'an empty body with a JSON content type', method: 'POST', path: () => '/api/v1/app', options: { raw: '' }, expect: 'reject' },
      { label: 'a plain-text body', method: 'POST', path: () => '/api/v1/app', options: { raw: 'name=x', contentType: 'text/plain' }, expect: 'reject' },
      { label: 'a number as application name', method: 'POST', path: () => '/api/v1/app', options: { body: { name: 123 } }, expect: 'reject' },
      {
        label: 'metadata that is not an object',
        method: 'POST',
        path: () => '/api/v1/app',
        options: { body: { name: 'x', metadata: 'nope' } },
        expect: 'reject',
      },
      {
        label: 'metadata with a non-string value',
        method: 'POST',
        path: () => '/api/v1/app',
        options: { body: { name: 'x', metadata: { a: 1 } } },
        expect: 'reject',
      },
      { label: 'a uid with spaces', method: 'POST', path: () => '/api/v1/app', options: { body: { name: 'x', uid: 'not valid!' } }, expect: 'reject' },
      { label: 'a number as name in a patch', method: 'PATCH', path: () => `/api/v1/app/${appId}`, options: { body: { name: 5 } }, expect: 'reject' },
      { label: 'a huge limit', method: 'GET', path: () => '/api/v1/app?limit=99999999999999999999999', options: {}, expect: 'reject' },
      { label: 'a non-numeric limit', method: 'GET', path: () => '/api/v1/app?limit=abc', options: {}, expect: 'reject' },
      { label: 'a negative limit', method: 'GET', path: () => '/api/v1/app?limit=-5', options: {}, expect: 'reject' },
      { label: 'a fractional limit', method: 'GET', path: () => '/api/v1/app?limit=2.5', options: {}, expect: 'reject' },
      { label: 'an unknown order', method: 'GET', path: () => '/api/v1/app?order=sideways', options: {}, expect: 'reject' },
      {
        label: 'an unknown application iterator',
        method: 'GET',
        path: () => '/api/v1/app?iterator=app_00000000000000000000000000',
        options: {},
        expect: 'any',
      },
      { label: 'a garbage application iterator', method: 'GET', path: () => '/api/v1/app?iterator=%24%24not-an-id', options: {}, expect: 'any' },
      { label: 'a garbage previous iterator', method: 'GET', path: () => '/api/v1/app?iterator=-zzz', options: {}, expect: 'any' },
      { label: 'a garbage event type iterator', method: 'GET', path: () => '/api/v1/event-type?iterator=%00%01', options: {}, expect: 'any' },
      {
        label: 'an event type name with spaces',
        method: 'POST',
        path: () => '/api/v1/event-type',
        options: { body: { name: 'bad name', description: 'x' } },
        expect: 'reject',
      },
      {
        label: 'filterTypes as a string',
        method: 'POST',
        path: () => `/api/v1/app/${appId}/endpoint`,
        options: { body: { url: 'http://example.com/x', filterTypes: 'a.b' } },
        expect: 'reject',
      },
      {
        label: 'an empty filterTypes list',
        method: 'POST',
        path: () => `/api/v1/app/${appId}/endpoint`,
        options: { body: { url: 'http://example.com/x', filterTypes: [] } },
        expect: 'reject',
      },
      { label: 'a number as endpoint url', method: 'POST', path: () => `/api/v1/app/${appId}/endpoint`, options: { body: { url: 42 } }, expect: 'reject' },
      {
        label: 'a malformed endpoint secret',
        method: 'POST',
        path: () => `/api/v1/app/${appId}/endpoint`,
        options: { body: { url: 'http://example.com/x', secret: 'short' } },
        expect: 'reject',
      },
      { label: 'a garbage endpoint iterator', method: 'GET', path: () => `/api/v1/app/${appId}/endpoint?iterator=garbage`, options: {}, expect: 'any' },
      {
        label: 'a number as eventType',
        method: 'POST',
        path: () => `/api/v1/app/${appId}/msg`,
        options: { body: { eventType: 1, payload: {} } },
        expect: 'reject',
      },
      {
        label: 'channels as a string',
        method: 'POST',
        path: () => `/api/v1/app/${appId}/msg`,
        options: { body: { eventType: 'a.b', payload: {}, channels: 'x' } },
        expect: 'reject',
      },
      {
        label: 'an array as payload',
        method: 'POST',
        path: () => `/api/v1/app/${appId}/msg`,
        options: { body: { eventType: 'a.b', payload: [1, 2] } },
        expect: 'reject',
      },
      { label: 'a before that is not a date', method: 'GET', path: () => `/api/v1/app/${appId}/msg?before=yesterday`, options: {}, expect: 'reject' },
      { label: 'an after that is not a date', method: 'GET', path: () => `/api/v1/app/${appId}/msg?after=2024-13-45T99:99:99Z`, options: {}, expect: 'reject' },
      { label: 'a limit of 1e400', method: 'GET', path: () => `/api/v1/app/${appId}/msg?limit=1e400`, options: {}, expect: 'reject' },
      { label: 'an unknown message iterator', method: 'GET', path: () => `/api/v1/app/${appId}/msg?iterator=msg_unknown`, options: {}, expect: 'any' },
      {
        label: 'a status that is not a number',
        method: 'GET',
        path: () => `/api/v1/app/${appId}/attempt/endpoint/${endpointId}?status=banana`,
        options: {},
        expect: 'reject',
      },
      {
        label: 'a status out of range',
        method: 'GET',
        path: () => `/api/v1/app/${appId}/attempt/endpoint/${endpointId}?status=99`,
        options: {},
        expect: 'reject',
      },
      {
        label: 'a garbage attempt iterator',
        method: 'GET',
        path: () => `/api/v1/app/${appId}/attempt/endpoint/${endpointId}?iterator=garbage`,
        options: {},
        expect: 'any',
      },
      {
        label: 'a garbage attempted-messages iterator',
        method: 'GET',
        path: () => `/api/v1/app/${appId}/endpoint/${endpointId}/msg?iterator=garbage`,
        options: {},
        expect: 'any',
      },
      {
        label: 'headers that are not an object',
        method: 'PUT',
        path: () => `/api/v1/app/${appId}/endpoint/${endpointId}/headers`,
        options: { body: { headers: 'x' } },
        expect: 'reject',
      },
      {
        label: 'a header value that is a number',
        method: 'PUT',
        path: () => `/api/v1/app/${appId}/endpoint/${endpointId}/headers`,
        options: { body: { headers: { 'x-a': 1 } } },
        expect: 'reject',
      },
      {
        label: 'a recover since that is not a date',
        method: 'POST',
        path: () => `/api/v1/app/${appId}/endpoint/${endpointId}/recover`,
        options: { body: { since: 'nope' } },
        expect: 'reject',
      },
      {
        label: 'a replay without since',
        method: 'POST',
        path: () => `/api/v1/app/${appId}/endpoint/${endpointId}/replay-missing`,
        options: { body: {} },
        expect: 'reject',
      },
      {
        label: 'stats with a since that is not a date',
        method: 'GET',
        path: () => `/api/v1/app/${appId}/endpoint/${endpointId}/stats?since=nope`,
        options: {},
        expect: 'reject',
      },
      {
        label: 'a rotation to a malformed key',
        method: 'POST',
        path: () => `/api/v1/app/${appId}/endpoint/${endpointId}/secret/rotate`,
        options: { body: { key: 'short' } },
        expect: 'reject',
      },
    ];

    it.each(cases)('answers $label without a 5xx', async ({ method, path, options, expect: expectation }) => {
      const answer = await call(method, path(), options);
      expect({ status: answer.status, text: answer.text }).toEqual({ status: expect.any(Number), text: expect.any(String) });
      expect(answer.status).toBeLessThan(500);
      expect(answer.status).not.toBe(404); // every route and resource here exists: only the input is bad
      if (expectation === 'reject') expect(answer.status).toBeGreaterThanOrEqual(400);
      if (answer.status >= 400) {
        expect(answer.contentType).toMatch(/^application\/json/);
        if (answer.status === 422) expectValidationError(answer);
        else expectErrorBody(answer);
      } else {
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual(expect.objectContaining({ data: expect.any(Array), done: expect.any(Boolean) }));
      }
    });
  });

  describe('OpenAPI document', () => {
    it('serves the docs at /api/docs and an OpenAPI JSON document listing the v1 routes', async () => {
      const page = await call('GET', '/api/docs');
      expect(page.status).toBe(200);

      // @nestjs/swagger serves the JSON next to the UI, at `${path}-json` unless told otherwise
      const candidates = ['/api/docs-json', '/api/docs/json', '/api/docs/openapi.json', '/api/openapi.json'];
      let document: { openapi?: string; paths?: Record<string, unknown> } | undefined;
      for (const candidate of candidates) {
        const answer = await call('GET', candidate);
        if (answer.status === 200 && answer.body?.openapi) {
          document = answer.body;
          break;
        }
      }
      expect(document).toBeDefined();
      expect(document!.openapi).toMatch(/^3\./);
      expect(Object.keys(document!.paths ?? {})).toEqual(expect.arrayContaining(['/api/v1/app', '/api/v1/app/{app_id}/msg']));
    });
  });
});
