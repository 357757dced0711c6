import { DataSource } from 'typeorm';
import { Webhook } from 'standardwebhooks';
import { ApplicationService, DeliveryService, DomainModule, EndpointService, MessageIntake } from '@herald/domain';
import { currentSecret } from '@herald/signing';
import { Delivery, MessageAttempt } from '@herald/persistence';
import { ForwardProxy } from '../support/forward-proxy';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';

/**
 * Deliveries through HERALD_PROXY_URL, to a real forward proxy and a real receiver (http: absolute-form;
 * https and CONNECT are in test/e2e/egress-proxy.e2e-spec.ts, which needs a process that trusts a test CA).
 */
describe('deliveries through a forward proxy', () => {
  let receiver: Receiver;
  let proxy: ForwardProxy;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    proxy = await new ForwardProxy({ user: 'herald', password: 'pr0xy-secret' }).start();
  });
  afterAll(async () => {
    await proxy?.stop();
    await receiver?.stop();
  });

  /** A Herald whose domain services run by hand, one attempt of one message to `url`; answers its attempt row. */
  async function attemptVia(env: Record<string, string>, url: string) {
    const herald = await startTestHerald({ apps: [DomainModule], listen: false, env: { HERALD_PROXY_URL: proxy.url, ...env } });
    try {
      return await attemptOn(herald, url);
    } finally {
      await herald.close();
    }
  }

  async function attemptOn(herald: TestHerald, url: string) {
    const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });
    const app = (await get<ApplicationService>(ApplicationService).create({ name: 'proxied' })).application;
    const endpoint = await get<EndpointService>(EndpointService).create(app.id, { url });
    const message = await get<MessageIntake>(MessageIntake).accept(app.id, { eventType: 'ping', payload: { n: 1 } });
    const db = get<DataSource>(DataSource);
    const row = await db.getRepository(Delivery).findOneByOrFail({ messageId: message.id });
    await get<DeliveryService>(DeliveryService).attempt(row.id, 1);
    const [attempt] = await db.getRepository(MessageAttempt).findBy({ endpointId: endpoint.id });
    return { attempt, secret: currentSecret(endpoint.secrets) };
  }

  it('sends through the proxy, with its credentials, to the address the guard checked, naming the host in Host', async () => {
    const port = new URL(receiver.url).port;
    const url = receiver.on('/via-proxy', 200).replace('127.0.0.1', 'localhost');
    const { attempt, secret } = await attemptVia({ HERALD_ALLOW_PRIVATE_TARGETS: 'false', HERALD_PRIVATE_TARGET_ALLOWLIST: '127.0.0.1/32' }, url);

    expect(attempt.responseStatusCode).toBe(200);
    expect(proxy.requests).toContainEqual({ method: 'POST', target: `http://127.0.0.1:${port}/via-proxy`, host: `localhost:${port}`, authorized: true });
    const [received] = receiver.at('/via-proxy');
    expect(received.headers.host).toBe(`localhost:${port}`);
    expect(() => new Webhook(secret).verify(received.body, received.headers)).not.toThrow();
  });

  it.each([
    [
      'an IP literal outside the allowlist',
      { HERALD_PRIVATE_TARGET_ALLOWLIST: '127.0.0.1/32' },
      '127.0.0.2',
      /refused to connect: 127\.0\.0\.2 is in the loopback/,
    ],
    ['a host name resolving only to loopback', {}, 'localhost', /refused to connect: localhost resolves only to non-public addresses/],
    ['cloud metadata', {}, '169.254.169.254', /refused to connect: 169\.254\.169\.254 is in the link-local/],
  ])('never hands the proxy a target the guard refuses: %s', async (_, env, host, reason) => {
    const path = `/refused-${Math.random()}`;
    const before = proxy.requests.length;
    const { attempt } = await attemptVia({ HERALD_ALLOW_PRIVATE_TARGETS: 'false', ...env }, receiver.on(path, 200).replace('127.0.0.1', host));

    expect(attempt.responseStatusCode).toBe(0);
    expect(attempt.response).toMatch(reason);
    expect(proxy.requests.slice(before)).toEqual([]);
    expect(receiver.at(path)).toHaveLength(0);
  });

  it('with the guard off, leaves resolving the name to the proxy', async () => {
    const url = receiver.on('/guard-off', 200).replace('127.0.0.1', 'localhost');
    const { attempt } = await attemptVia({ HERALD_ALLOW_PRIVATE_TARGETS: 'true' }, url);

    expect(attempt.responseStatusCode).toBe(200);
    expect(proxy.requests.map((request) => request.target)).toContain(url);
  });

  it('records the proxy refusing its credentials as a failed attempt', async () => {
    const wrong = proxy.url.replace('pr0xy-secret', 'wrong');
    const { attempt } = await attemptVia({ HERALD_PROXY_URL: wrong }, receiver.on('/wrong-credentials', 200));

    expect(attempt.responseStatusCode).toBe(0);
    expect(attempt.response).toContain('407');
    expect(attempt.response).not.toContain('wrong');
    expect(receiver.at('/wrong-credentials')).toHaveLength(0);
  });
});
