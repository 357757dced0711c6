import { DataSource, In } from 'typeorm';
import { ApplicationService, DeliveryService, EndpointService, MessageIntake } from '@herald/domain';
import { Delivery, DeliveryStatus } from '@herald/persistence';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { sleep, waitFor } from '../support/wait';

/**
 * Attempts held back by their endpoint are parked, once each, and woken when the endpoint lets them go: by a
 * released slot, or by the circuit closing. Before parking, each held attempt bounced through the delayed set
 * every cooldown (or every 250 ms when the endpoint was full), so a backlog cost work in proportion to its size.
 */
describe('parked attempts', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let attemptsRun = 0;
  const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({
      env: {
        HERALD_ENDPOINT_CONCURRENCY: '2',
        HERALD_CIRCUIT_THRESHOLD: '2',
        HERALD_CIRCUIT_COOLDOWN: '300ms',
        HERALD_RETRY_SCHEDULE: '0s,1h',
      },
    });
    // Counts every attempt job run (sent, held or parked); the real method still runs.
    const deliveries = get<DeliveryService>(DeliveryService);
    const attempt = deliveries.attempt.bind(deliveries);
    deliveries.attempt = (deliveryId, number) => {
      attemptsRun++;
      return attempt(deliveryId, number);
    };
  });
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  async function endpointAt(path: string) {
    const app = (await get<ApplicationService>(ApplicationService).create({ name: path })).application;
    const endpoint = await get<EndpointService>(EndpointService).create(app.id, { url: receiver.on(path, 200) });
    return { app, endpoint };
  }

  /** Failures spread over more than a second open the circuit. */
  async function openCircuit(appId: string, endpointId: string, path: string) {
    for (let i = 0; i < 2; i++) {
      const before = receiver.at(path).length;
      await send(appId, 1);
      await waitFor('the failure', () => receiver.at(path).length > before);
      if (i === 0) await sleep(1_000);
    }
    await waitFor('the circuit to open', async () => (await get<EndpointService>(EndpointService).get(appId, endpointId)).health === 'open');
  }

  async function send(appId: string, count: number): Promise<string[]> {
    const intake = get<MessageIntake>(MessageIntake);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await intake.accept(appId, { eventType: 'parked', payload: { i } })).id);
    return ids;
  }

  const webhookIds = (path: string) => receiver.at(path).map((webhook) => webhook.headers['webhook-id']);

  it('parks the attempts of a full endpoint and wakes one per released slot: each delivered once, with no bouncing', async () => {
    const { app } = await endpointAt('/slow');
    receiver.on('/slow', { status: 200, delayMs: 150 });
    attemptsRun = 0;
    const ids = await send(app.id, 30);
    // 2 at a time, 150 ms each: 30 take about 2.3 s. Bouncing every 250 ms (plus jitter) meant several runs per attempt.
    await waitFor('30 deliveries', () => receiver.at('/slow').length >= 30, 20_000);
    expect(new Set(webhookIds('/slow'))).toEqual(new Set(ids));
    expect(receiver.at('/slow')).toHaveLength(30);
    expect(attemptsRun).toBeLessThanOrEqual(2 * 30);
  });

  it('delivers parked attempts ahead of newer messages that keep coming, each once, without a handed slot going astray', async () => {
    const { app } = await endpointAt('/busy');
    receiver.on('/busy', { status: 200, delayMs: 150 });
    const first = await send(app.id, 12); // 2 go at once, 2 wait here for a slot, the rest park
    await sleep(300);
    // Newer messages keep coming, twice as fast as the endpoint takes them (about 13/s). Each released slot is
    // handed to the oldest parked attempt (test/integration/endpoint-gate.spec.ts shows a newcomer cannot take
    // it); a handed slot that leaked would stall the endpoint here. This passed before the hand-over too: on
    // an idle queue the woken job won its race for the slot anyway.
    const newer: string[] = [];
    for (let i = 0; i < 12; i++) {
      newer.push(...(await Promise.all([0, 1, 2, 3].map(() => send(app.id, 1)))).flat());
      await sleep(150);
    }
    await waitFor('every message', () => [...first, ...newer].every((id) => webhookIds('/busy').includes(id)), 30_000);
    const arrived = webhookIds('/busy');
    const lastOfFirst = Math.max(...first.map((id) => arrived.indexOf(id)));
    expect(arrived.slice(0, lastOfFirst).filter((id) => newer.includes(id)).length).toBeLessThanOrEqual(5);
    expect(arrived).toHaveLength(first.length + newer.length); // each once
  });

  it('parks the attempts behind an open circuit, probes once per cooldown, and delivers the backlog as soon as a probe succeeds', async () => {
    const { app, endpoint } = await endpointAt('/down');
    receiver.on('/down', 503);
    await openCircuit(app.id, endpoint.id, '/down');

    attemptsRun = 0;
    const backlog = await send(app.id, 40);
    await sleep(2_000); // about six cooldowns, every probe failing
    // Each held attempt ran about once and then slept: bouncing meant a run per held attempt per cooldown (40 × 6).
    expect(attemptsRun).toBeLessThan(40 + 2 * 12);
    const held = receiver.at('/down').length;
    expect(held).toBeGreaterThan(2); // probes went out
    expect(held).toBeLessThan(2 + 12); // one at a time, once per cooldown
    const parked = await get<DataSource>(DataSource)
      .getRepository(Delivery)
      .findBy({ messageId: In(backlog), status: DeliveryStatus.Pending });
    // Parked deliveries are not due in the database either, so the reconciler leaves them be.
    expect(parked.filter((delivery) => delivery.nextAttemptAt!.getTime() > Date.now() + 60_000).length).toBeGreaterThan(30);

    receiver.on('/down', 200);
    const recovered = Date.now();
    await waitFor('the backlog to be delivered', () => backlog.every((id) => webhookIds('/down').includes(id)), 10_000);
    // Well before any park runs out (a minute or more): woken by the probe's success, not by a timer.
    expect(Date.now() - recovered).toBeLessThan(5_000);
  });

  it('ends the parked attempts of an endpoint when it is disabled, without waiting for their park to run out', async () => {
    const { app, endpoint } = await endpointAt('/disabled');
    receiver.on('/disabled', 503);
    await openCircuit(app.id, endpoint.id, '/disabled');
    const backlog = await send(app.id, 10);
    await sleep(200);
    await get<EndpointService>(EndpointService).patch(app.id, endpoint.id, { disabled: true });
    const deliveries = get<DataSource>(DataSource).getRepository(Delivery);
    await waitFor(
      'the parked deliveries to fail',
      async () => (await deliveries.countBy({ messageId: In(backlog), status: DeliveryStatus.Failed })) === 10,
      5_000,
    );
  });
});
