import { createHash } from 'node:crypto';
import { IdempotencyService } from '@herald/domain';
import { startTestHerald, TestHerald } from '../support/herald';

/** The idempotency-key store and hooks on a real app and database: the cases the SDK suite does not reach. */
describe('idempotency keys', () => {
  let herald: TestHerald;
  let store: IdempotencyService;

  beforeAll(async () => {
    herald = await startTestHerald();
    store = herald.app.get(IdempotencyService, { strict: false });
  });
  afterAll(async () => herald?.close());

  it('claims a key once; a retry while it runs is in progress, a different request a mismatch, a finished one a replay', async () => {
    expect(await store.claim('k-states', 'fp-a')).toEqual({ kind: 'first' });
    expect(await store.claim('k-states', 'fp-a')).toEqual({ kind: 'in-progress' });
    expect(await store.claim('k-states', 'fp-b')).toEqual({ kind: 'mismatch' });
    await store.complete('k-states', 201, '{"id":"x"}');
    expect(await store.claim('k-states', 'fp-a')).toEqual({ kind: 'replay', statusCode: 201, response: '{"id":"x"}' });
  });

  it('forgets a claim released after a server error, so the retry runs again', async () => {
    expect(await store.claim('k-released', 'fp')).toEqual({ kind: 'first' });
    await store.release('k-released');
    expect(await store.claim('k-released', 'fp')).toEqual({ kind: 'first' });
  });

  it('answers a repeated POST over HTTP with the stored response, marked idempotent-replayed, and one still running with 409', async () => {
    const post = (key: string, body: object) =>
      fetch(`${herald.url}/api/v1/app`, {
        method: 'POST',
        headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
    const first = await post('k-http', { name: 'Once' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post('k-http', { name: 'Once' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());

    // A first request still running holds the key with this request's fingerprint (method, path, body).
    const body = { name: 'Busy' };
    await store.claim(
      'k-busy',
      createHash('sha256')
        .update(`POST /api/v1/app\n${JSON.stringify(body)}`)
        .digest('hex'),
    );
    const busy = await post('k-busy', body);
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ code: 'idempotency_in_progress' });
  });
});
