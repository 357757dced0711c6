import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Svix } from 'svix';
import { ENTRYPOINT, freePort, HeraldProcess } from '../support/process';
import { PrivateRedis } from '../support/redis-server';
import { waitFor } from '../support/wait';

interface LogLine {
  level: string;
  time: string;
  msg?: string;
  context?: string;
  requestId?: string;
  [field: string]: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Request ids and logs, from a real process writing JSON: every response carries x-request-id (the
 * caller's when it is safe, else a fresh one), each request writes one access line, a line Nest's logger
 * writes while serving a request carries its id, and credentials never reach the log.
 */
describe('request ids and logs', () => {
  let redis: PrivateRedis;
  let herald: HeraldProcess;
  let workDir: string;
  let base: string;
  let token: string;

  beforeAll(async () => {
    redis = new PrivateRedis();
    redis.port = Number(process.env.HERALD_TEST_PRIVATE_REDIS_PORT) || 0;
    await redis.start();
    workDir = mkdtempSync(join(tmpdir(), 'herald-logs-'));
    token = `logs-token-${randomBytes(12).toString('hex')}`;
    const port = await freePort();
    // Kept before it is ready, so that afterAll stops it even when it never gets there.
    herald = new HeraldProcess(
      ENTRYPOINT.allInOne,
      { REDIS_URL: redis.url, HERALD_PORT: String(port), HERALD_API_TOKEN: token, HERALD_LOG_FORMAT: 'json', HERALD_LOG_LEVEL: 'info' },
      workDir,
    );
    await herald.ready(60_000);
    base = `http://127.0.0.1:${port}`;
  }, 90_000);

  afterAll(async () => {
    await herald?.stop();
    await redis?.kill();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Every line Herald wrote so far; each must be JSON. */
  const lines = (): LogLine[] =>
    herald.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);
  const accessLine = (requestId: string) =>
    waitFor(`the access line of ${requestId}`, () => lines().find((line) => line.context === 'HTTP' && line.requestId === requestId), 5_000);

  it('writes JSON lines with level names, starting with where Herald listens', () => {
    const [first] = lines();
    expect(first).toMatchObject({ level: 'info', context: 'Herald', role: 'all-in-one' });
    expect(first.msg).toMatch(/^Herald all-in-one is up: API at http:\/\/127\.0\.0\.1:\d+\/api\/v1/);
    expect(new Date(first.time).getTime()).toBeGreaterThan(0);
    // Nest's bootstrap chatter (every route mapped) is debug, below the default level.
    expect(lines().filter((line) => line.context === 'RouterExplorer')).toEqual([]);
  });

  it("echoes the caller's x-request-id and logs the request once: method, route template, status, duration", async () => {
    const response = await fetch(`${base}/api/v1/app/app_missing`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-abc.123' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-abc.123');
    const line = await accessLine('req-abc.123');
    expect(line).toMatchObject({ level: 'info', method: 'GET', route: '/api/v1/app/:app_id', status: 404 });
    expect(typeof line.durationMs).toBe('number');
    expect(lines().filter((entry) => entry.context === 'HTTP' && entry.requestId === 'req-abc.123')).toHaveLength(1);
  });

  it("takes the svix SDK's svix-req-id when there is no x-request-id", async () => {
    const sent: string[] = [];
    const received: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      sent.push(new Headers(init?.headers).get('svix-req-id')!);
      const response = await fetch(input, init);
      received.push(response.headers.get('x-request-id')!);
      return response;
    };
    const svix = new Svix(token, { serverUrl: base, fetch: recording } as never);
    await svix.application.create({ name: 'logged' });
    expect(sent[0]).toMatch(/^\d+$/);
    expect(received).toEqual(sent);
    expect(await accessLine(sent[0])).toMatchObject({ method: 'POST', route: '/api/v1/app', status: 201 });
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with a space', 'a b'],
    ['with a quote', 'a"b'],
    ['with a semicolon', 'a;b'],
  ])('replaces a request id %s with a fresh one', async (_, hostile) => {
    const response = await fetch(`${base}/api/v1/health/live`, { headers: { 'x-request-id': hostile, 'svix-req-id': hostile } });
    expect(response.headers.get('x-request-id')).toMatch(UUID);
  });

  it('generates an id when the caller sends none, also on a route that does not exist', async () => {
    const response = await fetch(`${base}/no/such/route?token=should-not-be-logged`);
    expect(response.status).toBe(404);
    const id = response.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    const line = await accessLine(id);
    expect(line).toMatchObject({ route: null, status: 404 });
    expect(line.msg).toBe(`GET /no/such/route 404 ${line.durationMs} ms`);
    expect(herald.stdout).not.toContain('should-not-be-logged');
  });

  it("puts the request id on a line Nest's logger writes while serving the request", async () => {
    await redis.kill();
    await waitFor('readiness to report Redis down', async () => {
      const response = await fetch(`${base}/api/v1/health`, { headers: { 'x-request-id': 'probe-while-redis-down' } });
      return response.status === 503;
    });
    const line = lines().find((entry) => entry.context === 'Health' && entry.level === 'warn');
    expect(line).toMatchObject({ msg: 'redis is down: readiness answers 503', requestId: 'probe-while-redis-down' });
    await redis.start();
  });

  it('never writes the API token, whatever was sent', () => {
    expect(herald.stdout + herald.stderr).not.toContain(token);
  });
});
