import { jsonText, nested, nestedObject, raw, readSeed, Rng, SHAPES, utf8Bytes } from '../support/fuzz';
import { startTestHerald, TestHerald } from '../support/herald';
import { RawHeader, rawRequest, RawResponse } from '../support/raw-http';
import { Receiver } from '../support/receiver';
import { waitFor } from '../support/wait';

/**
 * Hostile input against a real Herald: a seeded fuzzer over every route of the OpenAPI document, plus Bull
 * Board and the admin UI's and the portal's files, sent over bare TCP (test/support/raw-http.ts) so that nothing is
 * normalised on the way: absolute-form request lines, dot segments, encoded slashes, CR/LF in ids and
 * headers, broken cookies, 10,000-deep JSON, type confusion, wrong content types, unknown methods.
 *
 * Every request must get an answer, below 500; a request without credentials must never get a 2xx from a
 * route that needs them; no answer may carry an injected header or leak the API token; Object.prototype
 * stays clean. Afterwards every GET route on the fixtures' rows, and everything the fuzzer got accepted,
 * must read back without a 5xx; no message answered 5xx may have been stored; Herald must serve normally.
 *
 * Requests come from one table of families (FAMILIES), each applied to every route it fits, with values
 * from small named generators. The seed is printed; HERALD_FUZZ_SEED=<seed> replays the same requests.
 */

const CONCURRENCY = 8;
const MIN_REQUESTS = 1_500;
const REQUEST_TIMEOUT_MS = 10_000;
const SEED = readSeed('HERALD_FUZZ_SEED');

// ---------------------------------------------------------------------------------------------------------
// Routes

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  pattern?: string;
  format?: string;
  minimum?: number;
  enum?: unknown[];
}

interface Route {
  method: string;
  /** `/api/v1/app/{app_id}/msg`: parameters in braces. */
  template: string;
  params: string[];
  query: string[];
  body?: JsonSchema;
  /** Answers without credentials (health, metrics, session status, docs, UI files). */
  public: boolean;
  /** A Bull Board route: the fuzzer never sends it credentials. */
  board: boolean;
  /** An SSE stream: it also takes a stream token. */
  stream: boolean;
  index: number;
}

const PUBLIC_ROUTES = new Set([
  'GET /api/v1/health',
  'GET /api/v1/health/live',
  'GET /metrics',
  'GET /api/v1/auth/session',
  'GET /api/docs',
  'GET /api/docs/openapi.json',
  'GET /ui/{file}',
  'GET /portal/{file}',
]);

/** Bull Board's own routes (not in the OpenAPI document), under /admin/queues. */
const BULL_BOARD_ROUTES: [method: string, template: string, body?: JsonSchema][] = [
  ['GET', '/admin/queues'],
  ['GET', '/admin/queues/'],
  ['GET', '/admin/queues/api/queues'],
  ['GET', '/admin/queues/api/redis/stats'],
  ['GET', '/admin/queues/api/queues/{queue}/{job_id}'],
  ['GET', '/admin/queues/api/queues/{queue}/{job_id}/logs'],
  ['PUT', '/admin/queues/api/queues/pause'],
  ['PUT', '/admin/queues/api/queues/resume'],
  ['PUT', '/admin/queues/api/queues/{queue}/pause'],
  ['PUT', '/admin/queues/api/queues/{queue}/resume'],
  ['PUT', '/admin/queues/api/queues/{queue}/promote'],
  ['PUT', '/admin/queues/api/queues/{queue}/retry/{queue_status}'],
  ['PUT', '/admin/queues/api/queues/{queue}/clean/{queue_status}'],
  ['PUT', '/admin/queues/api/queues/{queue}/{job_id}/retry'],
  [
    'POST',
    '/admin/queues/api/queues/{queue}/add',
    { type: 'object', properties: { name: { type: 'string' }, data: { type: 'object' } }, required: ['name', 'data'] },
  ],
  ['PATCH', '/admin/queues/api/queues/{queue}/{job_id}/update-data', { type: 'object', properties: { data: { type: 'object' } }, required: ['data'] }],
];

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
}

function routesOf(document: OpenApiDocument, withUi: boolean): Route[] {
  const routes: Omit<Route, 'index'>[] = [];
  const add = (method: string, template: string, query: string[], body?: JsonSchema) => {
    const params = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
    const board = template.startsWith('/admin/queues');
    routes.push({ method, template, params, query, body, public: PUBLIC_ROUTES.has(`${method} ${template}`), board, stream: template.endsWith('/stream') });
  };
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const query = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
      add(method.toUpperCase(), template, query, Object.values(operation.requestBody?.content ?? {})[0]?.schema);
    }
  }
  add('GET', '/api/docs', []);
  add('GET', '/api/docs/openapi.json', []);
  if (withUi) add('GET', '/ui/{file}', []);
  if (withUi) add('GET', '/portal/{file}', []);
  for (const [method, template, body] of BULL_BOARD_ROUTES) add(method, template, [], body);
  return routes.map((route, index) => ({ ...route, index }));
}

/** Depths tried first on every body route: small, around where JSON.stringify ran out of stack (about 4,100), and 10,000. */
const DEPTHS = [10, 1_000, 4_096, 4_111, 4_112, 4_113, 4_114, 5_000, 8_192, 10_000];

// ---------------------------------------------------------------------------------------------------------
// Hostile values, one small generator each

/** Values where a field (or the whole body) expects something else. */
const HOSTILE_JSON: Record<string, (rng: Rng) => unknown> = {
  null: () => null,
  true: () => true,
  false: () => false,
  zero: () => 0,
  negative: () => -1,
  fraction: () => 1.5,
  'number 1e309': () => raw('1e309'),
  'number -1e309': () => raw('-1e309'),
  'negative zero': () => raw('-0'),
  '30-digit integer': () => raw('123456789012345678901234567890'),
  '2^53 + 1': () => raw('9007199254740993'),
  'empty string': () => '',
  'long string': (rng) => 'x'.repeat(rng.pick([257, 4_097, 65_537, 300_000])),
  unicode: () => 'ünïcødé ✓ 😀 \u202etxt.exe \u0301',
  'NUL byte': () => 'a\u0000b',
  'CR/LF': () => 'a\r\nX-Injected: 1',
  'lone surrogate': () => raw('"\\ud800x"'),
  'numeric string': () => '1e309',
  'date-like string': () => '2024-02-30T25:61:61Z',
  'far-future date': () => '+275760-09-13T00:00:00.001Z',
  'key __proto__': () => '__proto__',
  'key constructor': () => 'constructor',
  'empty array': () => [],
  'array of strings': () => ['a', 'b'],
  'array of objects': () => [{}, { a: 1 }],
  '10,000-element array': () => raw(`[${Array(10_000).fill('1').join(',')}]`),
  'empty object': () => ({}),
  'object with __proto__': () => raw('{"__proto__":{"polluted":"yes"}}'),
  'object with constructor.prototype': () => raw('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  'array-like object': () => ({ 0: 'a', length: 1 }),
  'duplicate keys': () => raw('{"a":"1","a":{"b":[]}}'),
};

/** Path parameters nobody should send, written as they go on the request line. */
const HOSTILE_IDS: Record<string, (rng: Rng) => string> = {
  'encoded CR/LF header': () => '%0d%0aX-Injected:%201',
  'encoded CR/LF response split': () => 'x%0D%0A%0D%0A%3Chtml%3E',
  'raw CR/LF': () => 'x\r\nX-Injected: 1',
  'encoded NUL': () => 'a%00b',
  'lone %': () => '%',
  'truncated UTF-8 escape': () => '%E0%A4%A',
  'invalid UTF-8': () => '%FF%FE%FD',
  'overlong UTF-8 dots': () => '%C0%AE%C0%AE',
  '..': () => '..',
  '%2e%2e': () => '%2e%2e',
  '.': () => '.',
  'encoded traversal': () => '..%2F..%2F..%2Fpackage.json',
  'double-encoded traversal': () => '%252e%252e%252fpackage.json',
  __proto__: () => '__proto__',
  constructor: () => 'constructor',
  prototype: () => 'prototype',
  hasOwnProperty: () => 'hasOwnProperty',
  toString: () => 'toString',
  'long id': (rng) => 'x'.repeat(rng.pick([101, 257, 1_000, 8_000])),
  emoji: () => '%F0%9F%98%80',
  'raw UTF-8 bytes': () => utf8Bytes('ünï😀'),
  'raw latin1 bytes': () => '\xff\xfe\xe9',
  'SQL quote': () => '%27%20OR%20%271%27%3D%271',
  'raw quote': () => "'--",
  number: (rng) => rng.pick(['0', '-1', '1e309', '9007199254740993', 'NaN', 'Infinity']),
  'JS literal': (rng) => rng.pick(['null', 'undefined', 'true', '%5B%5D', '%7B%7D']),
  'encoded slash': () => 'a%2Fb',
  'encoded space': () => '%20',
  'encoded tab': () => '%09',
  wildcard: () => '*',
  'route template': () => '%7Bapp_id%7D',
  'route param syntax': () => ':app_id',
  'unknown well-formed id': () => 'app_2aaaaaaaaaaaaaaaaaaaaaaaaa',
  'id with query': () => 'x%3Flimit%3D1',
  'id with fragment': () => 'x%23frag',
};

/** Query strings that confuse types, repeat parameters, overflow numbers or break percent-encoding. `param` limits one to routes declaring it. */
const HOSTILE_QUERIES: { name: string; param?: string; make: (rng: Rng) => string }[] = [
  { name: 'limit=1e309', param: 'limit', make: () => 'limit=1e309' },
  { name: 'negative limit', param: 'limit', make: () => 'limit=-1' },
  { name: 'limit=0', param: 'limit', make: () => 'limit=0' },
  { name: 'repeated limit', param: 'limit', make: () => 'limit=1&limit=2' },
  { name: 'empty limit', param: 'limit', make: () => 'limit=' },
  { name: 'bracketed limit', param: 'limit', make: () => 'limit[]=1&limit[$gt]=0' },
  { name: 'hex limit', param: 'limit', make: () => 'limit=0x10' },
  { name: '30-digit limit', param: 'limit', make: () => 'limit=123456789012345678901234567890' },
  { name: 'long iterator', param: 'iterator', make: (rng) => `iterator=${'z'.repeat(rng.pick([299, 300, 301, 5_000]))}` },
  { name: 'iterator NUL', param: 'iterator', make: () => 'iterator=%00' },
  { name: 'iterator -', param: 'iterator', make: () => 'iterator=-' },
  { name: 'iterator --x', param: 'iterator', make: () => 'iterator=--x' },
  { name: 'iterator truncated UTF-8', param: 'iterator', make: () => 'iterator=%E0%A4%A' },
  { name: 'iterator emoji', param: 'iterator', make: () => 'iterator=-%F0%9F%98%80' },
  { name: 'order __proto__', param: 'order', make: () => 'order=__proto__' },
  { name: 'repeated order', param: 'order', make: () => 'order=ascending&order=descending' },
  { name: 'year 0 before', param: 'before', make: () => 'before=0000-01-01T00:00:00Z' },
  { name: 'year 275760 before', param: 'before', make: () => 'before=275760-09-13T00:00:01Z' },
  { name: 'nanosecond after', param: 'after', make: () => 'after=9999-12-31T23:59:59.999999999Z' },
  { name: 'offset +99:99', param: 'after', make: () => 'after=2024-01-01T00:00:00%2B99:99' },
  { name: 'repeated before', param: 'before', make: () => 'before=2024-01-01T00:00:00Z&before=2025-01-01T00:00:00Z' },
  { name: 'since year 0', param: 'since', make: () => 'since=0000-01-01T00:00:00Z&until=9999-12-31T23:59:59Z' },
  { name: 'until before since', param: 'until', make: () => 'since=2025-01-01T00:00:00Z&until=2024-01-01T00:00:00Z' },
  { name: 'commas only event_types', param: 'event_types', make: () => `event_types=${','.repeat(2_000)}` },
  { name: 'event_types repeated 500 times', param: 'event_types', make: () => Array.from({ length: 500 }, (_, i) => `event_types=t${i}`).join('&') },
  { name: 'event_types NUL', param: 'event_types', make: () => 'event_types=%00' },
  { name: 'channel CR/LF', param: 'channel', make: () => 'channel=%0d%0aX-Injected:%201' },
  { name: 'tag long', param: 'tag', make: () => `tag=${'t'.repeat(129)}` },
  { name: 'status -1', param: 'status', make: () => 'status=-1' },
  { name: 'status 1e309', param: 'status', make: () => 'status=1e309' },
  { name: 'status repeated', param: 'status', make: () => 'status=0&status=1' },
  { name: 'status_code_class NUL', param: 'status_code_class', make: () => 'status_code_class=%00' },
  { name: 'endpoint_id CR/LF', param: 'endpoint_id', make: () => 'endpoint_id=%0d%0a' },
  { name: 'with_content NUL', param: 'with_content', make: () => 'with_content=%00' },
  { name: 'include_archived TRUE', param: 'include_archived', make: () => 'include_archived=TRUE' },
  { name: 'expunge repeated', param: 'expunge', make: () => 'expunge=true&expunge=false' },
  { name: 'get_if_exists yes', param: 'get_if_exists', make: () => 'get_if_exists=yes' },
  { name: '__proto__=x', make: () => '__proto__=x' },
  { name: '__proto__[polluted]', make: () => '__proto__[polluted]=yes' },
  { name: 'constructor[prototype]', make: () => 'constructor[prototype][polluted]=yes' },
  { name: 'toString/valueOf/hasOwnProperty', make: () => 'toString=1&valueOf=2&hasOwnProperty=3' },
  { name: 'lone %', make: () => '%' },
  { name: '%%', make: () => 'limit=%%' },
  { name: 'empty pairs', make: () => '=&=&&&==' },
  { name: 'truncated UTF-8 name', make: () => '%E0%A4%A=1' },
  { name: 'semicolon separators', make: () => 'limit=1;order=x' },
  { name: '1,000 parameters', make: () => Array.from({ length: 1_000 }, (_, i) => `p${i}=1`).join('&') },
  { name: 'stream token garbage', make: () => 'token=hst_%00.x' },
  { name: 'stream token %', make: () => 'token=%' },
  { name: 'huge lastEventId', make: () => 'lastEventId=99999999999999999999999-99999999999999999999' },
  { name: 'lastEventId NUL', make: () => 'lastEventId=%00' },
];

/** Cookie header values that a cookie parser (or a hand-written one) can trip on. */
const BAD_COOKIES: Record<string, (rng: Rng, ctx: Context) => string[]> = {
  'herald_session=%': () => ['herald_session=%'],
  'truncated UTF-8 escape': () => ['herald_session=%E0%A4%A'],
  'invalid UTF-8 escape': () => ['herald_session=%FF%FE'],
  'encoded NUL': () => ['herald_session=%00'],
  'very long value': (rng) => [`herald_session=${'a'.repeat(rng.pick([4_096, 12_000]))}`],
  '300 cookies': () => [Array.from({ length: 300 }, (_, i) => `c${i}=v${i}`).join('; ')],
  'duplicated name': () => ['herald_session=first; herald_session=second; herald_session=%'],
  'two cookie headers': () => ['herald_session=a', 'herald_session=%'],
  'raw latin1 bytes': () => ['herald_session=\xff\xfe\xe9'],
  'raw UTF-8 bytes': () => [utf8Bytes('herald_session=ünï😀')],
  'no equals sign': () => ['herald_session'],
  'only separators': () => ['=; ;;=;herald_session=='],
  'empty hst token': () => ['herald_session=hst_.'],
  'forged hst token': () => [`herald_session=hst_${Buffer.from('{"scope":"session","exp":99999999999999}').toString('base64url')}.forged`],
  'stream token as session': (_rng, ctx) => [`herald_session=${ctx.streamToken}`],
  'pollution names': () => ['__proto__=x; constructor=y; herald_session=%'],
  'quoted value': () => ['herald_session="hst_a.b"'],
  'encoded real session': (_rng, ctx) => [`herald_session=${encodeURIComponent(ctx.sessionToken).replace(/_/g, '%5F')}%`],
};

/** Ways of writing the same path differently; each must reach the same route, or none, with the same checks. */
const PATH_ENCODINGS: Record<string, (path: string, rng: Rng) => string> = {
  'first letter encoded': (path) => `/%${path.charCodeAt(1).toString(16)}${path.slice(2)}`,
  'a letter encoded': (path, rng) => replaceOne(path, /[a-z]/gi, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`, rng),
  'a segment encoded': (path, rng) => replaceOne(path, /[^/]+/g, (segment) => [...segment].map((char) => `%${char.charCodeAt(0).toString(16)}`).join(''), rng),
  'a letter double-encoded': (path, rng) => replaceOne(path, /[a-z]/gi, (char) => `%25${char.charCodeAt(0).toString(16)}`, rng),
  'encoded slash': (path, rng) => replaceOne(path.slice(1), /\//g, () => rng.pick(['%2F', '%2f']), rng, '/'),
  'dot segment': (path, rng) => insertAtBoundary(path, '/.', rng),
  'dot-dot segment': (path, rng) => insertAtBoundary(path, '/fuzz/..', rng),
  'encoded dot-dot segment': (path, rng) => insertAtBoundary(path, rng.pick(['/fuzz/%2e%2e', '/fuzz/%2E%2E', '/fuzz/.%2e']), rng),
  'leading double slash': (path) => `/${path}`,
  'inner double slash': (path, rng) => insertAtBoundary(path, '/', rng),
  'trailing slash': (path) => `${path}/`,
  'upper-cased segment': (path, rng) => replaceOne(path, /[^/]+/g, (segment) => segment.toUpperCase(), rng),
  backslash: (path, rng) => replaceOne(path.slice(1), /\//g, () => '\\', rng, '/'),
  'semicolon parameter': (path, rng) => replaceOne(path, /[^/]+/g, (segment) => `${segment};x=1`, rng),
  fragment: (path) => `${path}#fragment`,
  'encoded NUL suffix': (path) => `${path}%00`,
  'overlong UTF-8 slash': (path, rng) => replaceOne(path.slice(1), /\//g, () => '%C0%AF', rng, '/'),
  'full-width letter': (path, rng) => replaceOne(path, /[a]/g, () => utf8Bytes('ａ'), rng),
  'trailing encoded space': (path) => `${path}%20`,
};

/** Request-targets in absolute form (and other request-line oddities), for a path. */
const ABSOLUTE_FORMS: Record<string, (path: string, ctx: Context, rng: Rng) => { target: string; version?: string; host?: string }> = {
  'absolute form': (path, ctx) => ({ target: `http://127.0.0.1:${ctx.port}${path}` }),
  'absolute form, other host': (path) => ({ target: `http://evil.example${path}` }),
  'absolute form, https': (path, ctx) => ({ target: `https://127.0.0.1:${ctx.port}${path}` }),
  'absolute form, upper-case scheme': (path, ctx) => ({ target: `HTTP://127.0.0.1:${ctx.port}${path}` }),
  'absolute form, userinfo': (path, ctx) => ({ target: `http://admin:admin@127.0.0.1:${ctx.port}${path}` }),
  'absolute form, ws scheme': (path, ctx) => ({ target: `ws://127.0.0.1:${ctx.port}${path}` }),
  'absolute form, encoded path': (path, ctx, rng) => ({ target: `http://127.0.0.1:${ctx.port}${rng.pick(Object.values(PATH_ENCODINGS))(path, rng)}` }),
  'absolute form, no port': (path) => ({ target: `http://127.0.0.1${path}` }),
  'HTTP/1.0 without host': (path) => ({ target: path, version: 'HTTP/1.0', host: '' }),
  'other host header': (path) => ({ target: path, host: 'evil.example' }),
};

/** Credentials that must not open a protected route (or, for `token`-like ones, that do). */
const CREDENTIALS: Record<string, (ctx: Context) => RawHeader[]> = {
  none: () => [],
  'wrong bearer': () => [['authorization', 'Bearer test-token-000000000000000000000000']],
  'empty bearer': () => [['authorization', 'Bearer ']],
  'basic scheme': (ctx) => [['authorization', `Basic ${Buffer.from(`admin:${ctx.token}`).toString('base64')}`]],
  'token without scheme': (ctx) => [['authorization', ctx.token]],
  'token prefix': (ctx) => [['authorization', `Bearer ${ctx.token.slice(0, -1)}`]],
  'token plus a character': (ctx) => [['authorization', `Bearer ${ctx.token}x`]],
  'token in x-api-key': (ctx) => [['x-api-key', ctx.token]],
  'two authorization headers, wrong first': (ctx) => [
    ['authorization', 'Bearer wrong-token-0000000000000000'],
    ['authorization', `Bearer ${ctx.token}`],
  ],
  'stream token as bearer': (ctx) => [['authorization', `Bearer ${ctx.streamToken}`]],
  'real session cookie without x-herald-ui': (ctx) => [['cookie', `herald_session=${ctx.sessionToken}`]],
  'real session cookie with x-herald-ui': (ctx) => [
    ['cookie', `herald_session=${ctx.sessionToken}`],
    ['x-herald-ui', '1'],
  ],
  'stream token as session cookie': (ctx) => [
    ['cookie', `herald_session=${ctx.streamToken}`],
    ['x-herald-ui', '1'],
  ],
  'forged session cookie': () => [
    ['cookie', `herald_session=hst_${Buffer.from('{"scope":"session","exp":99999999999999}').toString('base64url')}.AAAA`],
    ['x-herald-ui', '1'],
  ],
  'lower-case bearer': (ctx) => [['authorization', `bearer ${ctx.token}`]],
  /** Put in the query string by withCredentials: opens streams only. */
  'stream token in query': () => [],
};

/** No valid credentials: what Bull Board always gets, and half of the other requests. */
const ANONYMOUS = ['none', 'wrong bearer', 'stream token as bearer', 'forged session cookie'];

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/json; charset=utf-16le',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;;;',
  'application/jsonx',
  'application/vnd.api+json',
  'application/xml',
  '*/*',
  '',
  'application/json, text/plain',
  'application/json\x01',
];

/** Bodies that are not (quite) JSON, or are JSON of the wrong kind; `valid` is the route's own valid body. */
const BAD_BODIES: Record<string, (valid: string, rng: Rng) => string | Buffer> = {
  empty: () => '',
  'truncated JSON': (valid, rng) => valid.slice(0, Math.max(1, rng.int(valid.length))),
  'invalid UTF-8': (valid) => Buffer.concat([Buffer.from(valid.slice(0, -1)), Buffer.from(',"x":"\xff\xfe\xc3"}', 'latin1')]),
  'byte order mark': (valid) => `\ufeff${valid}`,
  'trailing garbage': (valid) => `${valid}}{"x":1`,
  'two JSON documents': (valid) => `${valid}\n${valid}`,
  'single quotes': () => "{'name':'x'}",
  comments: (valid) => `/* c */${valid}`,
  'JSON null': () => 'null',
  'JSON true': () => 'true',
  'JSON number': () => '123',
  'JSON string': () => '"a string"',
  NaN: () => 'NaN',
  'UTF-16 body': (valid) => Buffer.from(valid, 'utf16le'),
  'form body': () => 'name=x&uid=y',
  whitespace: () => ' \n\t ',
};

const UNKNOWN_METHODS = ['PROPFIND', 'FOO', 'PURGE', 'TRACE', 'OPTIONS', 'HEAD', 'LINK', 'SEARCH', 'QUERY', 'get', 'G\xc9T', 'CONNECT', 'M-SEARCH'];

/** Header lines that try to smuggle a line break, a NUL, or another request. */
const HEADER_INJECTIONS: Record<string, (ctx: Context) => RawHeader[]> = {
  'CR/LF in idempotency-key': () => [['idempotency-key', 'k\r\nX-Injected: 1']],
  'encoded CR/LF in idempotency-key': () => [['idempotency-key', 'k%0d%0aX-Injected:%201']],
  'long idempotency-key': () => [['idempotency-key', 'k'.repeat(257)]],
  'very long idempotency-key': () => [['idempotency-key', 'k'.repeat(8_000)]],
  'UTF-8 idempotency-key': () => [['idempotency-key', utf8Bytes('ключ-😀')]],
  'two idempotency-keys': () => [
    ['idempotency-key', 'a'],
    ['idempotency-key', 'b'],
  ],
  'bare LF in x-herald-ui': () => [['x-herald-ui', '1\nX-Injected: 1']],
  'bare CR in accept': () => [['accept', 'application/json\rX-Injected: 1']],
  'NUL in a header': () => [['x-fuzz', 'a\x00b']],
  'obsolete line folding': () => [['x-fuzz', 'a\r\n folded']],
  'CR/LF in last-event-id': () => [['last-event-id', '1-0\r\nX-Injected: 1']],
  'space in header name': () => [['x bad', '1']],
  'empty header name': () => [['', 'value']],
  'content-length and transfer-encoding': () => [
    ['transfer-encoding', 'chunked'],
    ['content-length', '4'],
  ],
  'smuggled request': () => [['transfer-encoding', 'chunked, identity']],
};

// ---------------------------------------------------------------------------------------------------------
// Probes

interface Fixture {
  appId: string;
  appUid: string;
  endpointId: string;
  endpointUid: string;
  msgId: string;
  eventId: string;
  attemptId: string;
  eventType: string;
}

interface Context {
  port: number;
  token: string;
  streamToken: string;
  sessionToken: string;
  receiverUrl: string;
  /** Rows every route but DELETE works on. */
  keep: Fixture;
  /** Rows DELETE works on, so the others stay. */
  victim: Fixture;
  /** Rows deep JSON goes into, so that what it breaks shows on its own rows. */
  deep: Fixture;
}

interface Probe {
  family: string;
  /** What is hostile about it, in a few words. */
  input: string;
  route: Route;
  method: string;
  target: string;
  headers: RawHeader[];
  body?: string | Buffer;
  version?: string;
  omitHost?: boolean;
}

interface Family {
  name: string;
  /** Passes over the routes it applies to (a number, or one drawn from them); each pass visits every one in a seeded order. */
  rounds: number | ((routes: Route[]) => number);
  applies?: (route: Route) => boolean;
  make: (route: Route, ctx: Context, rng: Rng, round: number) => Probe;
}

const hasBody = (route: Route) => route.body !== undefined;

/** One table: what each family does to a route's ordinary request. */
const FAMILIES: Family[] = [
  {
    name: 'plain',
    rounds: 1,
    make: (route, ctx, rng) => plainRequest(route, ctx, rng),
  },
  {
    name: 'credentials',
    rounds: 3,
    make: (route, ctx, rng, round) => {
      const names = Object.keys(CREDENTIALS);
      const probe = withCredentials(plainRequest(route, ctx, rng), names[(round * 7 + route.index) % names.length], ctx);
      // Bull Board never gets credentials that open it: an operator's pause or clean is not the point here.
      return route.board && carriesCredentials(probe, ctx) ? withCredentials(probe, rng.pick(ANONYMOUS), ctx) : probe;
    },
  },
  {
    name: 'bad cookie',
    rounds: 4,
    make: (route, ctx, rng) => {
      const [name, cookies] = rng.entry(BAD_COOKIES);
      const probe = withCredentials(plainRequest(route, ctx, rng), route.board || rng.chance(0.75) ? 'none' : 'lower-case bearer', ctx);
      probe.headers.push(...cookies(rng, ctx).map((value): RawHeader => ['cookie', value]));
      if (rng.chance(0.5)) probe.headers.push(['x-herald-ui', '1']);
      return { ...probe, input: `cookie: ${name}` };
    },
  },
  {
    name: 'encoded path',
    rounds: 5,
    make: (route, ctx, rng, round) => {
      const names = Object.keys(PATH_ENCODINGS);
      const name = names[(round * 5 + route.index) % names.length];
      const probe = anonymousOrNot(plainRequest(route, ctx, rng), route, ctx, rng);
      const [path, query] = splitTarget(probe.target);
      return { ...probe, target: PATH_ENCODINGS[name](path, rng) + query, input: `${name}, ${probe.input}` };
    },
  },
  {
    name: 'absolute form',
    rounds: 2,
    make: (route, ctx, rng, round) => {
      const names = Object.keys(ABSOLUTE_FORMS);
      const name = names[(round * 3 + route.index) % names.length];
      return requestLine(anonymousOrNot(plainRequest(route, ctx, rng), route, ctx, rng), name, ctx, rng);
    },
  },
  {
    name: 'bull board doors',
    rounds: Object.keys(PATH_ENCODINGS).length + Object.keys(ABSOLUTE_FORMS).length,
    applies: (route) => route.board,
    make: (route, ctx, rng, round) => {
      const encodings = Object.keys(PATH_ENCODINGS);
      const probe = plainRequest(route, ctx, rng);
      if (round >= encodings.length) return requestLine(probe, Object.keys(ABSOLUTE_FORMS)[round - encodings.length], ctx, rng);
      const [path, query] = splitTarget(probe.target);
      return { ...probe, target: PATH_ENCODINGS[encodings[round]](path, rng) + query, input: `${encodings[round]}, ${probe.input}` };
    },
  },
  {
    name: 'hostile path parameter',
    rounds: 6,
    applies: (route) => route.params.length > 0,
    make: (route, ctx, rng) => {
      const [name, make] = rng.entry(HOSTILE_IDS);
      const hostile = rng.pick(route.params);
      const probe = anonymousOrNot(plainRequest(route, ctx, rng, { [hostile]: make(rng) }), route, ctx, rng, 0.25);
      return { ...probe, input: `${hostile} = ${name}, ${probe.input}` };
    },
  },
  {
    name: 'hostile query',
    rounds: 4,
    make: (route, ctx, rng) => {
      const candidates = HOSTILE_QUERIES.filter((query) => !query.param || route.query.includes(query.param));
      const attack = rng.pick(candidates);
      const probe = anonymousOrNot(plainRequest(route, ctx, rng), route, ctx, rng, 0.25);
      const [path] = splitTarget(probe.target);
      return { ...probe, target: `${path}?${attack.make(rng)}`, input: `query ${attack.name}, ${probe.input}` };
    },
  },
  {
    name: 'type confusion',
    rounds: 14,
    applies: hasBody,
    make: (route, ctx, rng) => {
      const [name, make] = rng.entry(HOSTILE_JSON);
      const valid = sampleValid(route.body!, ctx, rng) as Record<string, unknown>;
      const fields = Object.keys(route.body!.properties ?? {});
      const where = rng.pick(['whole body', 'field', 'field', 'field', 'nested field', 'unknown field'] as const);
      let body: unknown;
      let at = 'the whole body';
      if (where === 'whole body' || fields.length === 0) body = make(rng);
      else if (where === 'unknown field') [at, body] = ['an unknown field', { ...valid, [`fuzz${rng.int(100)}`]: make(rng) }];
      else {
        const field = rng.pick(fields);
        at = field;
        if (where === 'nested field' && route.body!.properties![field].type === 'object') {
          at = `${field}.x`;
          body = { ...valid, [field]: { ...(valid[field] as object), x: make(rng) } };
        } else body = { ...valid, [field]: make(rng) };
      }
      return { ...plainRequest(route, ctx, rng), body: jsonText(body), input: `${name} at ${at}` };
    },
  },
  {
    // Every field of every body set to null in turn, not sampled: a null that reached a NOT NULL column (a PATCH's
    // `version`) answered 500 in one CI run in several, when type confusion happened to pick it.
    name: 'null field',
    rounds: (routes) => Math.max(...routes.map((route) => Object.keys(route.body!.properties!).length)), // every field of the widest body
    applies: (route) => Object.keys(route.body?.properties ?? {}).length > 0,
    make: (route, ctx, rng, round) => {
      const fields = Object.keys(route.body!.properties!);
      const field = fields[round % fields.length];
      const valid = sampleValid(route.body!, ctx, rng) as Record<string, unknown>;
      return { ...plainRequest(route, ctx, rng), body: jsonText({ ...valid, [field]: null }), input: `null at ${field}` };
    },
  },
  {
    name: 'deep JSON',
    rounds: DEPTHS.length * 2,
    applies: hasBody,
    make: (route, ctx, rng, round) => {
      // First pass: every depth in DEPTHS at the route's own nesting field; then random depths and places.
      const depth = round < DEPTHS.length ? DEPTHS[round] : 1 + rng.int(10_000);
      const shape = SHAPES[round % SHAPES.length];
      const valid = sampleValid(route.body!, ctx, rng) as Record<string, unknown>;
      const fields = Object.keys(route.body!.properties ?? {});
      const own = NESTING_FIELDS.find((field) => fields.includes(field));
      const field = round < DEPTHS.length ? own : rng.pick([own, undefined, rng.pick(fields)]);
      const value = field && OBJECT_FIELDS.has(field) ? nestedObject(depth, shape) : nested(depth, shape);
      // An eventId lets the read-back check that a message answered 5xx was not stored after all.
      if (fields.includes('eventId')) valid.eventId = `deep-${rng.int(1e9)}`;
      const body = field ? { ...valid, [field]: value } : value;
      const probe = plainRequest(route, ctx, rng, {}, ctx.deep);
      if (rng.chance(0.3) && !probe.headers.some(([name]) => name === 'idempotency-key')) probe.headers.push(['idempotency-key', `deep-${rng.int(1e9)}`]);
      return { ...probe, body: jsonText(body), input: `${shape} nested ${depth.toLocaleString('en')} deep at ${field ?? 'the top level'}` };
    },
  },
  {
    name: 'prototype pollution',
    rounds: 4,
    applies: hasBody,
    make: (route, ctx, rng) => {
      const key = rng.pick(['__proto__', 'constructor', 'prototype']);
      const poison = key === 'constructor' ? '{"prototype":{"polluted":"yes"}}' : '{"polluted":"yes"}';
      const valid = jsonText(sampleValid(route.body!, ctx, rng));
      const objectField = Object.keys(route.body!.properties ?? {}).find((field) => OBJECT_FIELDS.has(field) && valid.includes(`"${field}":{`));
      const inField = objectField !== undefined && rng.chance(0.5);
      const at = inField ? valid.indexOf(`"${objectField}":{`) + objectField.length + 3 : 0;
      const body = `${valid.slice(0, at + 1)}"${key}":${poison}${valid[at + 1] === '}' ? '' : ','}${valid.slice(at + 1)}`;
      return { ...plainRequest(route, ctx, rng), body, input: `"${key}" key ${inField ? `in ${objectField}` : 'at the top level'}` };
    },
  },
  {
    name: 'content type',
    rounds: 6,
    applies: (route) => hasBody(route) || route.method === 'GET',
    make: (route, ctx, rng) => {
      const probe = plainRequest(route, ctx, rng);
      const type = rng.pick(CONTENT_TYPES);
      const [name, make] = rng.chance(0.3) ? ['valid JSON', () => probe.body ?? '{}'] : rng.entry(BAD_BODIES);
      const headers = probe.headers.filter(([header]) => header !== 'content-type');
      if (type !== '' || rng.chance(0.5)) headers.push(['content-type', type]);
      return { ...probe, headers, body: make(typeof probe.body === 'string' ? probe.body : '{}', rng), input: `${name} as ${JSON.stringify(type)}` };
    },
  },
  {
    name: 'header injection',
    rounds: 2,
    make: (route, ctx, rng) => {
      const [name, headers] = rng.entry(HEADER_INJECTIONS);
      const probe = anonymousOrNot(plainRequest(route, ctx, rng), route, ctx, rng, 0.3);
      const own = new Set(headers(ctx).map(([header]) => header));
      return { ...probe, headers: [...probe.headers.filter(([header]) => !own.has(header)), ...headers(ctx)], input: `${name}, ${probe.input}` };
    },
  },
  {
    name: 'big headers',
    rounds: 1,
    make: (route, ctx, rng) => {
      const probe = anonymousOrNot(plainRequest(route, ctx, rng), route, ctx, rng);
      const [name, extra] = rng.entry<() => RawHeader[]>({
        '100 headers of 100 bytes': () => Array.from({ length: 100 }, (_, i): RawHeader => [`x-fuzz-${i}`, 'v'.repeat(100)]),
        'one 12 KB header': () => [['x-fuzz', 'v'.repeat(12_000)]],
        '12 KB bearer token': () => [['authorization', `Bearer ${'t'.repeat(12_000)}`]],
        '1,000 tiny headers': () => Array.from({ length: 1_000 }, (): RawHeader => ['x', '1']),
        'over the limit (20 KB)': () => [['x-fuzz', 'v'.repeat(20_000)]],
        '12 KB accept': () => [['accept', `${'a/b;q=0.1, '.repeat(1_000)}application/json`]],
      });
      const replaced = new Set(extra().map(([header]) => header));
      return { ...probe, headers: [...probe.headers.filter(([header]) => !replaced.has(header)), ...extra()], input: `${name}, ${probe.input}` };
    },
  },
  {
    name: 'unknown method',
    rounds: 1,
    make: (route, ctx, rng) => {
      const probe = anonymousOrNot(plainRequest(route, ctx, rng), route, ctx, rng);
      const method = rng.pick(UNKNOWN_METHODS);
      return { ...probe, method, input: `${JSON.stringify(method)} instead of ${route.method}, ${probe.input}` };
    },
  },
];

/** Fields whose own value is the nesting Herald stores (and which must be objects). */
const NESTING_FIELDS = ['payload', 'schemas', 'metadata', 'headers', 'data', 'appId'];
const OBJECT_FIELDS = new Set(['payload', 'schemas', 'metadata', 'headers', 'data']);

/** Valid values for fields a schema alone cannot fill in well. */
const VALID_FIELDS: Record<string, (ctx: Context) => unknown> = {
  url: (ctx) => `${ctx.receiverUrl}/fuzz`,
  secret: () => `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
  key: () => `whsec_${Buffer.alloc(24, 9).toString('base64')}`,
  since: () => new Date(Date.now() - 3_600_000).toISOString(),
  until: () => new Date().toISOString(),
  eventType: () => 'fuzz.event',
  filterTypes: () => ['fuzz.event', 'other.event'],
  channels: () => ['fuzz'],
  tags: () => ['fuzz'],
  payload: () => ({ hello: 'world', n: 1 }),
  metadata: () => ({ fuzz: 'yes' }),
  headers: () => ({ 'x-fuzz': 'yes' }),
  appId: (ctx) => ctx.keep.appId,
  description: () => 'fuzz',
  data: () => ({}),
};
/** Left out of valid bodies, so the fixtures keep their uids and no body conflicts with another. */
const SKIPPED_FIELDS = new Set(['uid', 'eventId']);

function sampleValid(schema: JsonSchema, ctx: Context, rng: Rng, field?: string): unknown {
  if (field && VALID_FIELDS[field]) return VALID_FIELDS[field](ctx);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'object': {
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(schema.properties ?? {})
        .filter(([name]) => !SKIPPED_FIELDS.has(name) && (required.has(name) || rng.chance(0.5)))
        .map(([name, property]) => [name, sampleValid(property, ctx, rng, name)]);
      return Object.fromEntries(entries);
    }
    case 'array':
      return [sampleValid(schema.items ?? {}, ctx, rng)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return new Date().toISOString();
      return schema.pattern ? `fuzz-${rng.int(1e9)}` : 'fuzz';
    default:
      return 'fuzz';
  }
}

/** The value of a path parameter that names a real row. */
function realParam(name: string, route: Route, ctx: Context, rng: Rng, rows: Fixture): string {
  switch (name) {
    case 'app_id':
      return rng.pick([rows.appId, rows.appId, rows.appUid]);
    case 'endpoint_id':
      return rng.pick([rows.endpointId, rows.endpointId, rows.endpointUid]);
    case 'msg_id':
      return rng.pick([rows.msgId, rows.msgId, rows.eventId]);
    case 'attempt_id':
      return rows.attemptId;
    case 'event_type_name':
      return rows.eventType;
    case 'queue':
      return rng.pick(['deliveries', 'tasks']);
    case 'queue_status':
      return rng.pick(['failed', 'completed', 'delayed']);
    case 'job_id':
      return rng.pick(['1', `${rows.endpointId}`]);
    case 'file':
      return 'index.html';
    default:
      // A route added since this table was written: fuzzed with an id that names no row.
      return `fuzz-${rng.int(1e9)}`;
  }
}

/** The route's ordinary request: real ids (the victim's for DELETE), a valid body, the API token (never for Bull Board). */
function plainRequest(
  route: Route,
  ctx: Context,
  rng: Rng,
  params: Record<string, string> = {},
  rows = route.method === 'DELETE' ? ctx.victim : ctx.keep,
): Probe {
  const target = route.template.replace(/\{(\w+)\}/g, (_match, name: string) => params[name] ?? realParam(name, route, ctx, rng, rows));
  const headers: RawHeader[] = [['accept', 'application/json']];
  let credentials = 'token';
  if (route.board) credentials = rng.pick(ANONYMOUS);
  if (credentials === 'token') headers.push(['authorization', `Bearer ${ctx.token}`]);
  else headers.push(...CREDENTIALS[credentials](ctx));
  let body: string | undefined;
  if (route.body) {
    body = jsonText(sampleValid(route.body, ctx, rng));
    headers.push(['content-type', 'application/json']);
  }
  if (route.method === 'POST' && rng.chance(0.25)) headers.push(['idempotency-key', `fuzz-${rng.int(1e9)}`]);
  return { family: '', input: credentials === 'token' ? 'with the token' : `credentials: ${credentials}`, route, method: route.method, target, headers, body };
}

function withCredentials(probe: Probe, name: string, ctx: Context): Probe {
  const headers = probe.headers.filter(([header]) => !['authorization', 'cookie', 'x-herald-ui', 'x-api-key'].includes(header));
  const target = name === 'stream token in query' ? `${probe.target}${probe.target.includes('?') ? '&' : '?'}token=${ctx.streamToken}` : probe.target;
  return { ...probe, target, headers: [...headers, ...(CREDENTIALS[name]?.(ctx) ?? [])], input: `credentials: ${name}` };
}

/** Keeps the token, or (with `probability`, and always for Bull Board) swaps it for no valid credentials. */
function anonymousOrNot(probe: Probe, route: Route, ctx: Context, rng: Rng, probability = 0.5): Probe {
  if (route.board || !rng.chance(probability)) return probe;
  return withCredentials(probe, rng.pick(ANONYMOUS), ctx);
}

function requestLine(probe: Probe, name: string, ctx: Context, rng: Rng): Probe {
  const form = ABSOLUTE_FORMS[name](probe.target, ctx, rng);
  const headers: RawHeader[] = form.host ? [['host', form.host], ...probe.headers] : probe.headers;
  return { ...probe, target: form.target, version: form.version, headers, omitHost: form.host === '', input: `${name}, ${probe.input}` };
}

function splitTarget(target: string): [path: string, query: string] {
  const at = target.indexOf('?');
  return at < 0 ? [target, ''] : [target.slice(0, at), target.slice(at)];
}

/** Replaces one match of `pattern` in `text` (after `prefix`), chosen at random. */
function replaceOne(text: string, pattern: RegExp, replace: (match: string) => string, rng: Rng, prefix = ''): string {
  const matches = [...text.matchAll(pattern)];
  if (matches.length === 0) return prefix + text;
  const match = rng.pick(matches);
  return prefix + text.slice(0, match.index) + replace(match[0]) + text.slice(match.index! + match[0].length);
}

/** Inserts `piece` before one of the path's slashes (not the first), or at its end. */
function insertAtBoundary(path: string, piece: string, rng: Rng): string {
  const slashes = [...path.matchAll(/\//g)].map((match) => match.index!).filter((index) => index > 0);
  const at = rng.pick([...slashes, path.length]);
  return path.slice(0, at) + piece + path.slice(at);
}

function generate(routes: Route[], ctx: Context, rng: Rng): Probe[] {
  const probes: Probe[] = [];
  for (const family of FAMILIES) {
    const applicable = routes.filter((route) => family.applies?.(route) ?? true);
    const rounds = typeof family.rounds === 'function' ? family.rounds(applicable) : family.rounds;
    for (let round = 0; round < rounds; round++) {
      for (const route of rng.shuffle(applicable)) probes.push({ ...family.make(route, ctx, rng, round), family: family.name });
    }
  }
  return rng.shuffle(probes);
}

// ---------------------------------------------------------------------------------------------------------
// Verdicts

/** Whether the request carries credentials that open its route (the API token, a session, or a stream token). */
function carriesCredentials(probe: Probe, ctx: Context): boolean {
  const lines = probe.headers.map(([name, value]) => [name.toLowerCase(), value] as const);
  const bearer = new RegExp(`^bearer\\s+${ctx.token}\\s*$`, 'i');
  if (lines.some(([name, value]) => name === 'authorization' && bearer.test(value))) return true;
  const session = lines.some(([name, value]) => name === 'cookie' && value.includes(ctx.sessionToken));
  if (session && (probe.route.board || lines.some(([name]) => name === 'x-herald-ui'))) return true;
  return (
    probe.route.stream && (probe.target.includes(ctx.streamToken) || lines.some(([name, value]) => name === 'authorization' && value.includes(ctx.streamToken)))
  );
}

/** Strings no answer may contain: the API token, or files from outside the served directories. */
const LEAK_MARKERS = (ctx: Context) => [ctx.token, '"devDependencies"', 'root:x:0:0'];

function verdict(probe: Probe, response: RawResponse, ctx: Context): string | undefined {
  if (response.outcome === 'timeout') return `no answer within ${REQUEST_TIMEOUT_MS / 1_000} s`;
  // Node closes a CONNECT nobody handles without a word; anything else deserves an answer.
  if (response.status === 0 && probe.method !== 'CONNECT')
    return `connection ${response.outcome} without an answer${response.error ? ` (${response.error})` : ''}`;
  if (response.status >= 500) return `${response.status}`;
  // HEAD is answered by the GET route of the same path.
  const open = probe.route.public || (probe.method === 'HEAD' && PUBLIC_ROUTES.has(`GET ${probe.route.template}`));
  if (response.status >= 200 && response.status < 300 && !open && !carriesCredentials(probe, ctx)) return `${response.status} without credentials`;
  if ('x-injected' in response.headers) return 'header injected into the answer';
  const text = response.body.toString('latin1');
  if (LEAK_MARKERS(ctx).some((marker) => text.includes(marker))) return `${response.status} leaking a secret or a file`;
  return undefined;
}

function statusClass(response: RawResponse): string {
  return response.status === 0 ? 'no answer' : `${Math.floor(response.status / 100)}xx`;
}

/** A request target or body as printable ASCII, shortened. */
function printable(text: string, max = 160): string {
  const escaped = text.replace(/[^\x20-\x7e]/g, (char) =>
    char === '\r' ? '\\r' : char === '\n' ? '\\n' : `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return escaped.length > max ? `${escaped.slice(0, max)}…(${text.length.toLocaleString('en')} chars)` : escaped;
}

function describeFailure(probe: Probe, response: RawResponse, problem: string): string {
  const bodyLength = probe.body === undefined ? 0 : Buffer.byteLength(probe.body);
  const contentType = probe.headers.find(([name]) => name === 'content-type')?.[1];
  const sent = bodyLength ? `${bodyLength.toLocaleString('en')} B body${contentType !== undefined ? ` (${printable(contentType, 40)})` : ''}` : 'no body';
  const answer = printable(response.body.toString('utf8'), 100);
  return `  ${problem}: ${printable(probe.method, 20)} ${printable(probe.target)} [${probe.family}: ${printable(probe.input, 120)}; ${sent}] -> ${answer || '(empty)'}`;
}

const count = (n: number) => n.toLocaleString('en');

// ---------------------------------------------------------------------------------------------------------
// The suite

describe('hostile input: a seeded fuzzer over every route', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let ctx: Context;
  let routes: Route[];
  /** Every fuzzed request with its answer, for the read-back. */
  let outcomes: { probe: Probe; response: RawResponse }[] = [];

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
    const response = await fetch(`${herald.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${herald.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  async function created(method: string, path: string, body: unknown): Promise<any> {
    const answer = await api(method, path, body);
    if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** An event type, an application, an endpoint, a message, and its first attempt (delivered to the receiver). */
  async function fixture(name: string): Promise<Fixture> {
    const eventType = `${name}.event`;
    await created('POST', '/api/v1/event-type', { name: eventType, description: name });
    const app = await created('POST', '/api/v1/app', { name, uid: `${name}-app` });
    const endpoint = await created('POST', `/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}/${name}`, uid: `${name}-endpoint` });
    const message = await created('POST', `/api/v1/app/${app.id}/msg`, {
      eventType,
      payload: { fixture: name },
      eventId: `${name}-event`,
      channels: ['fuzz'],
      tags: ['fuzz'],
    });
    const attempts = await waitFor(`an attempt of the ${name} message`, async () => {
      const answer = await api('GET', `/api/v1/app/${app.id}/attempt/msg/${message.id}`);
      return answer.body?.data?.length ? answer.body.data : undefined;
    });
    return {
      appId: app.id,
      appUid: app.uid,
      endpointId: endpoint.id,
      endpointUid: endpoint.uid,
      msgId: message.id,
      eventId: message.eventId,
      attemptId: attempts[0].id,
      eventType,
    };
  }

  /** GETs with the token, CONCURRENCY at a time; the targets whose answer `fails` are returned, described. */
  async function sweep(targets: string[], fails: (response: RawResponse) => boolean): Promise<string[]> {
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < targets.length) {
          const target = targets[next++];
          const response = await rawRequest(ctx.port, {
            method: 'GET',
            target,
            headers: [['authorization', `Bearer ${ctx.token}`]],
            timeoutMs: REQUEST_TIMEOUT_MS,
          });
          if (fails(response))
            failures.push(
              `  ${response.status || response.outcome}: GET ${printable(target)} -> ${printable(response.body.toString('utf8'), 100) || '(empty)'}`,
            );
        }
      }),
    );
    return failures;
  }

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({
      database: 'sqlite',
      env: {
        HERALD_RETRY_SCHEDULE: '0s',
        HERALD_LOG_LEVEL: process.env.HERALD_LOG_LEVEL ?? 'warn',
        // Rate limits that never trip: the limiter still reads every hostile request, but a 429 must not
        // stand in for the 401 (or 5xx) behind it.
        HERALD_RATE_LIMIT: '1000000',
        HERALD_RATE_LIMIT_ANONYMOUS: '1000000',
      },
    });
    const [keep, victim, deep] = [await fixture('keep'), await fixture('victim'), await fixture('deep')];
    const streamToken = (await created('POST', '/api/v1/auth/stream-token', {})).token as string;
    const session = await api('POST', '/api/v1/auth/session');
    const sessionToken = /herald_session=([^;]+)/.exec(session.headers.get('set-cookie') ?? '')?.[1];
    if (!sessionToken) throw new Error('POST /api/v1/auth/session set no herald_session cookie');
    ctx = { port: Number(new URL(herald.url).port), token: herald.token, streamToken, sessionToken, receiverUrl: receiver.url, keep, victim, deep };

    const document = (await api('GET', '/api/docs/openapi.json')).body as OpenApiDocument;
    const ui = await fetch(`${herald.url}/ui/index.html`);
    await ui.arrayBuffer();
    routes = routesOf(document, ui.status === 200);
  }, 60_000);

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  it(`answers at least ${count(MIN_REQUESTS)} hostile requests without a 5xx, and never 2xx without credentials`, async () => {
    const rng = new Rng(SEED);
    const probes = generate(routes, ctx, rng);
    expect(probes.length).toBeGreaterThanOrEqual(MIN_REQUESTS);
    const started = Date.now();
    const responses: RawResponse[] = new Array(probes.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < probes.length) {
          const index = next++;
          responses[index] = await rawRequest(ctx.port, { ...probes[index], timeoutMs: REQUEST_TIMEOUT_MS });
        }
      }),
    );
    const seconds = ((Date.now() - started) / 1_000).toFixed(1);
    outcomes = probes.map((probe, i) => ({ probe, response: responses[i] }));

    const classes = new Map<string, number>();
    for (const response of responses) classes.set(statusClass(response), (classes.get(statusClass(response)) ?? 0) + 1);
    const summary = ['1xx', '2xx', '3xx', '4xx', '5xx', 'no answer'].map((name) => `${name} ${count(classes.get(name) ?? 0)}`).join(', ');
    const families = FAMILIES.map((family) => `${family.name} ${count(probes.filter((probe) => probe.family === family.name).length)}`).join(', ');
    console.log(
      `hostile-input: seed=${SEED}, ${count(probes.length)} requests over ${routes.length} routes in ${seconds} s: ${summary}\n  families: ${families}`,
    );

    // Failures, grouped by what went wrong, on which route, with which family of input.
    const groups = new Map<string, string[]>();
    for (const { probe, response } of outcomes) {
      const problem = verdict(probe, response, ctx);
      if (!problem) continue;
      const key = `${problem} | ${probe.route.method} ${probe.route.template} | ${probe.family}`;
      groups.set(key, [...(groups.get(key) ?? []), describeFailure(probe, response, problem)]);
    }
    const polluted = Object.keys(Object.prototype).length > 0 || ({} as Record<string, unknown>).polluted !== undefined;
    if (groups.size > 0 || polluted) {
      const lines: string[] = [`seed=${SEED} (rerun: HERALD_FUZZ_SEED=${SEED} npx jest test/security/hostile-input)`];
      if (polluted) lines.push(`Object.prototype was polluted: ${JSON.stringify(Object.keys(Object.prototype))}`);
      let shown = 0;
      for (const [key, failures] of [...groups.entries()].sort()) {
        lines.push(`${key}: ${count(failures.length)}`);
        for (const failure of failures) if (shown++ < 400) lines.push(failure);
      }
      if (shown > 400) lines.push(`… and ${count(shown - 400)} more`);
      const total = [...groups.values()].reduce((sum, list) => sum + list.length, 0);
      throw new Error(`${count(total)} bad answers in ${groups.size} groups\n${lines.join('\n')}`);
    }
    // A 429 says nothing about the door behind it: if the limiter answers, the run tested little.
    const limited = responses.filter((response) => response.status === 429).length;
    if (limited > probes.length / 100)
      throw new Error(`${count(limited)} answers were 429: lift Herald's rate limits in this suite's env, or the fuzzer only tests the limiter`);
  }, 180_000);

  it('reads back without a 5xx every GET route of the fixtures and everything the fuzzer changed, and finds no message it answered 5xx to', async () => {
    const getRoute = (template: string) => routes.find((route) => route.method === 'GET' && route.template === template);
    const readable = new Set<string>();
    // Every GET route of the API on each fixture's real rows, with content.
    for (const rows of [ctx.keep, ctx.victim, ctx.deep]) {
      for (const route of routes.filter((route) => route.method === 'GET' && !route.board && !route.stream && route.template.startsWith('/api/v1/'))) {
        const path = route.template.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(realParam(name, route, ctx, new Rng(0), rows)));
        readable.add(route.query.includes('with_content') ? `${path}?with_content=true` : path);
      }
    }
    // What a 2xx POST created (the row and its list), or a 2xx PUT or PATCH changed.
    const stored: string[] = [];
    for (const { probe, response } of outcomes) {
      if (!['POST', 'PUT', 'PATCH'].includes(probe.method) || probe.route.board || !probe.target.startsWith('/')) continue;
      const [path] = splitTarget(probe.target);
      if (response.status >= 500 && probe.route.template === '/api/v1/app/{app_id}/msg') {
        const eventId = /"eventId":"([\w.-]+)"/.exec(probe.body?.toString() ?? '')?.[1];
        if (eventId) stored.push(`${path}/${eventId}`);
        continue;
      }
      if (response.status < 200 || response.status >= 300) continue;
      let key: unknown;
      try {
        const body = JSON.parse(response.body.toString('utf8')) as { id?: unknown; name?: unknown };
        key = body.id ?? body.name;
      } catch {
        key = undefined;
      }
      const item = routes.find(
        (route) => route.method === 'GET' && route.template.startsWith(`${probe.route.template}/{`) && route.params.length === probe.route.params.length + 1,
      );
      if (probe.method === 'POST' && item && typeof key === 'string') readable.add(`${path}/${encodeURIComponent(key)}`);
      if (getRoute(probe.route.template)) readable.add(probe.method === 'POST' ? `${path}?with_content=true` : path);
    }

    const unreadable = await sweep([...readable], (response) => response.outcome !== 'answered' || response.status >= 500);
    // A message answered 5xx must not have been stored: the client will send it again.
    const ghosts = await sweep(stored, (response) => response.status !== 404);
    console.log(
      `hostile-input: read back ${count(readable.size)} rows and lists (${count(unreadable.length)} failed); looked for ${count(stored.length)} messages answered 5xx (${count(ghosts.length)} found)`,
    );
    const problems = [
      ...(unreadable.length ? [`${count(unreadable.length)} read-backs failed:`, ...unreadable.slice(0, 200)] : []),
      ...(ghosts.length ? [`${count(ghosts.length)} messages answered 5xx were stored anyway (GET by eventId is not 404):`, ...ghosts.slice(0, 100)] : []),
    ];
    if (problems.length) throw new Error(`seed=${SEED}\n${problems.join('\n')}`);
  }, 60_000);

  it('still serves normally afterwards', async () => {
    expect((await api('GET', '/api/v1/health')).status).toBe(204);

    const app = await api('POST', '/api/v1/app', { name: 'After the fuzz' });
    expect(app.status).toBe(201);
    const message = await api('POST', `/api/v1/app/${app.body.id}/msg`, { eventType: 'after.fuzz', payload: { ok: true } });
    expect(message.status).toBe(202);
    const fresh = {
      'list messages': (await api('GET', `/api/v1/app/${app.body.id}/msg`)).status,
      'get the message': (await api('GET', `/api/v1/app/${app.body.id}/msg/${message.body.id}`)).status,
      'list its attempts': (await api('GET', `/api/v1/app/${app.body.id}/attempt/msg/${message.body.id}`)).status,
    };
    expect(fresh).toEqual({ 'list messages': 200, 'get the message': 200, 'list its attempts': 200 });

    // The rows the fuzzer hammered with everything but deep JSON: still readable.
    const hammered = {
      'list messages': (await api('GET', `/api/v1/app/${ctx.keep.appId}/msg`)).status,
      'get the message': (await api('GET', `/api/v1/app/${ctx.keep.appId}/msg/${ctx.keep.msgId}`)).status,
      'list its attempts (the message log)': (await api('GET', `/api/v1/app/${ctx.keep.appId}/attempt/msg/${ctx.keep.msgId}`)).status,
      'get the endpoint': (await api('GET', `/api/v1/app/${ctx.keep.appId}/endpoint/${ctx.keep.endpointId}`)).status,
      'list applications': (await api('GET', '/api/v1/app')).status,
    };
    expect(hammered).toEqual({
      'list messages': 200,
      'get the message': 200,
      'list its attempts (the message log)': 200,
      'get the endpoint': 200,
      'list applications': 200,
    });
  });
});
