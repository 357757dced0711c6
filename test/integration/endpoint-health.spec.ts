import { DataSource } from 'typeorm';
import { Webhook } from 'standardwebhooks';
import { ApplicationService, DeliveryService, DomainModule, EndpointHealth, EndpointService, MessageIntake, OperationalEndpoints } from '@herald/domain';
import { LiveFeed } from '@herald/live';
import { Delivery, Endpoint, OPERATIONAL_APP_ID } from '@herald/persistence';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { sleep } from '../support/wait';

/** The endpoint health actor on real Redis and SQLite: circuit breaker, disable-after, the operational endpoint.disabled. */
describe('endpoint health', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({
      apps: [DomainModule],
      listen: false,
      env: {
        HERALD_CIRCUIT_THRESHOLD: '3',
        HERALD_CIRCUIT_COOLDOWN: '300ms',
        HERALD_DISABLE_AFTER: '2500ms',
        HERALD_RETRY_SCHEDULE: '0s,0s,0s,0s,0s,0s,0s,0s,0s,0s',
      },
    });
  });

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  /** An endpoint answering as told, and a delivery to it whose attempts the test runs by hand. */
  async function failingDelivery(path: string, reply: Parameters<Receiver['on']>[1]) {
    const app = (await get<ApplicationService>(ApplicationService).create({ name: path })).application;
    const endpoint = await get<EndpointService>(EndpointService).create(app.id, { url: receiver.on(path, reply) });
    const message = await get<MessageIntake>(MessageIntake).accept(app.id, { eventType: 'health', payload: {} });
    const delivery = await get<DataSource>(DataSource).getRepository(Delivery).findOneByOrFail({ messageId: message.id });
    const reload = () => get<DataSource>(DataSource).getRepository(Endpoint).findOneByOrFail({ id: endpoint.id });
    return { app, endpoint, delivery, reload };
  }

  async function endpointEvents(endpointId: string): Promise<string[]> {
    const events = await get<LiveFeed>(LiveFeed).range('0-0', 10_000);
    return events.flatMap((event) => (event.type === 'endpoint' && event.data.endpointId === endpointId ? [event.data.state] : []));
  }

  it('opens the circuit after the threshold, holds attempts back, probes after the cooldown, and closes on success', async () => {
    const { endpoint, delivery, reload } = await failingDelivery('/breaker', [500, 500, 500, 200]);
    const deliveries = get<DeliveryService>(DeliveryService);
    for (const attempt of [1, 2]) expect(await deliveries.attempt(delivery.id, attempt)).toEqual({ kind: 'done' });
    expect(await reload()).toMatchObject({ health: 'failing', consecutiveFailures: 2 });
    await sleep(1_000); // failures in a row open the circuit only over at least a second (see the next test)
    expect(await deliveries.attempt(delivery.id, 3)).toEqual({ kind: 'done' });
    expect(await reload()).toMatchObject({ health: 'open', consecutiveFailures: 3 });

    const held = await deliveries.attempt(delivery.id, 4);
    expect(held).toEqual({ kind: 'wait', ms: expect.any(Number) }); // circuit open: nothing sent, come back later
    expect(held.kind === 'wait' && held.ms).toBeLessThanOrEqual(300);
    expect(receiver.at('/breaker')).toHaveLength(3);

    await sleep(320);
    expect(await deliveries.attempt(delivery.id, 4)).toEqual({ kind: 'done' }); // the probe
    expect(receiver.at('/breaker')).toHaveLength(4);
    expect(await reload()).toMatchObject({ health: 'healthy', consecutiveFailures: 0, failingSince: null });
    expect(await endpointEvents(endpoint.id)).toEqual(['failing', 'open', 'healthy']);
  });

  it('keeps the circuit closed on failures in a row that come within a second (an endpoint failing only some requests)', async () => {
    const { delivery, reload } = await failingDelivery('/flaky', 500);
    const deliveries = get<DeliveryService>(DeliveryService);
    for (const attempt of [1, 2, 3, 4, 5]) await deliveries.attempt(delivery.id, attempt);
    expect(await reload()).toMatchObject({ health: 'failing', consecutiveFailures: 5 });
  });

  it('disables an endpoint failing continuously for HERALD_DISABLE_AFTER, and tells the operators', async () => {
    const operational = await get<OperationalEndpoints>(OperationalEndpoints).create({
      url: receiver.on('/operational', 200),
      filterTypes: ['endpoint.disabled'],
    });
    const { app, endpoint, delivery, reload } = await failingDelivery('/always-down', 503);
    const deliveries = get<DeliveryService>(DeliveryService);
    await deliveries.attempt(delivery.id, 1);
    await sleep(2_550);
    await deliveries.attempt(delivery.id, 2);

    const after = await reload();
    expect(after.disabled).toBe(true);
    expect(after.disabledReason).toMatch(/^Failing continuously since \d{4}-/);
    expect(await endpointEvents(endpoint.id)).toEqual(['failing', 'disabled']);

    // endpoint.disabled is a message to the operational application, delivered by the same pipeline (run by hand here).
    const notices = await get<DataSource>(DataSource).getRepository(Delivery).findBy({ appId: OPERATIONAL_APP_ID, endpointId: operational.id });
    expect(notices).toHaveLength(1);
    await deliveries.attempt(notices[0].id, 1);
    const [notice] = receiver.at('/operational');
    const secret = await get<OperationalEndpoints>(OperationalEndpoints).secret(operational.id);
    const body = new Webhook(secret).verify(notice.body, notice.headers) as { type: string; data: Record<string, unknown> };
    expect(body).toMatchObject({
      type: 'endpoint.disabled',
      data: { appId: app.id, endpointId: endpoint.id, trigger: 'automatic', failSince: expect.any(String), reason: after.disabledReason },
    });

    await get<EndpointService>(EndpointService).patch(app.id, endpoint.id, { disabled: false });
    expect(await reload()).toMatchObject({ disabled: false, disabledReason: null, health: 'healthy', consecutiveFailures: 0 });
  });

  it('disables once, with one event and one endpoint.disabled, when many failures find the endpoint due at once', async () => {
    const operational = await get<OperationalEndpoints>(OperationalEndpoints).create({
      url: receiver.on('/operational-once', 200),
      filterTypes: ['endpoint.disabled'],
    });
    const { endpoint, delivery, reload } = await failingDelivery('/down-for-long', 503);
    await get<DeliveryService>(DeliveryService).attempt(delivery.id, 1);
    await sleep(2_550);
    const failing = await reload();
    await Promise.all(Array.from({ length: 10 }, () => get<EndpointHealth>(EndpointHealth).failed(failing)));

    expect((await reload()).disabled).toBe(true);
    expect(await endpointEvents(endpoint.id)).toEqual(['failing', 'disabled']);
    const notices = await get<DataSource>(DataSource).getRepository(Delivery).findBy({ appId: OPERATIONAL_APP_ID, endpointId: operational.id });
    expect(notices).toHaveLength(1);
  });
});
