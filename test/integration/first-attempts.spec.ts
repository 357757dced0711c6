import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ApplicationService, DomainModule, EndpointService, FirstAttempts, MessageIntake, ReconciliationService } from '@herald/domain';
import { Delivery, MessageAttempt } from '@herald/persistence';
import { jobId, QueueName } from '@herald/queue';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { sleep, waitFor } from '../support/wait';

/**
 * First attempts without a job per delivery: handed over in memory where the delivery worker runs, as one
 * batch job where it does not, and left alone by the reconciler until their lease runs out.
 */
describe('first attempts', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });

  beforeAll(async () => {
    receiver = await new Receiver().start();
    // The domain only, as an ingest process without a delivery worker.
    herald = await startTestHerald({ apps: [DomainModule], listen: false, env: { HERALD_RECONCILE_INTERVAL: '50ms' } });
  });
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  async function accepted(path: string) {
    const app = (await get<ApplicationService>(ApplicationService).create({ name: path })).application;
    const endpoint = await get<EndpointService>(EndpointService).create(app.id, { url: receiver.on(path, 200) });
    const message = await get<MessageIntake>(MessageIntake).accept(app.id, { eventType: 'first', payload: {} });
    return get<DataSource>(DataSource).getRepository(Delivery).findOneByOrFail({ messageId: message.id, endpointId: endpoint.id });
  }

  it('leaves a handed-over delivery to its lease: the reconciler takes it only once the lease has run out', async () => {
    const delivery = await accepted('/leased');
    const deliveries = get<Queue>(getQueueToken(QueueName.Deliveries));
    const reconciliation = get<ReconciliationService>(ReconciliationService);
    await new Promise((resolve) => setTimeout(resolve, 100)); // more than one reconcile interval
    await reconciliation.sweep();
    expect(await deliveries.getJob(jobId.delivery(delivery.id, 1))).toBeUndefined();

    // As if the process that took it died and the lease ran out.
    await get<DataSource>(DataSource)
      .getRepository(Delivery)
      .update({ id: delivery.id }, { nextAttemptAt: new Date(Date.now() - 1_000) });
    expect((await reconciliation.sweep()).deliveries).toBeGreaterThanOrEqual(1);
    expect(await deliveries.getJob(jobId.delivery(delivery.id, 1))).toBeDefined();
  });

  it('makes the first attempts of a batch in this process, and queues as a job one whose lease is nearly out (a backlog)', async () => {
    const [fresh, stale] = [await accepted('/fresh'), await accepted('/stale')];
    const firstAttempts = get<FirstAttempts>(FirstAttempts);
    await firstAttempts.make([fresh.id], Date.now());
    await firstAttempts.make([stale.id], Date.now() - firstAttempts.leaseMs);
    await waitFor('the fresh attempt', () => receiver.at('/fresh').length === 1);
    expect(receiver.at('/stale')).toHaveLength(0); // not here: this process has no delivery worker to take the job
    expect(await get<Queue>(getQueueToken(QueueName.Deliveries)).getJob(jobId.delivery(stale.id, 1))).toBeDefined();
    const attempts = await get<DataSource>(DataSource).getRepository(MessageAttempt).findBy({ deliveryId: fresh.id });
    expect(attempts.map((attempt) => attempt.attemptNumber)).toEqual([1]);
  });
});

/**
 * More first attempts than a delivery process holds in memory: the batches beyond wait as jobs, and newer
 * batches follow them there instead of overtaking them.
 */
describe('first attempts beyond the room in memory', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });

  beforeAll(async () => {
    receiver = await new Receiver().start();
    // One attempt at a time: 20 deliveries fit in memory.
    herald = await startTestHerald({ listen: false, env: { HERALD_DELIVERY_CONCURRENCY: '1' } });
  });
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  it('delivers them in the order they came, each once', async () => {
    const app = (await get<ApplicationService>(ApplicationService).create({ name: 'backlog' })).application;
    await get<EndpointService>(EndpointService).create(app.id, { url: receiver.on('/backlog', { status: 200, delayMs: 100 }) });
    const intake = get<MessageIntake>(MessageIntake);
    /** `count` messages one after the other, `gapMs` apart: each its own ingest batch. */
    const send = async (count: number, gapMs = 0) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        ids.push((await intake.accept(app.id, { eventType: 'backlog', payload: { i } })).id);
        await sleep(gapMs);
      }
      return ids;
    };
    // A job held until its attempts were made kept 4 batches at a time from the queue, far fewer deliveries
    // than fit in memory, so room came free for the newest batch while older ones were still queued.
    const earlier = await send(40); // about 20 in memory, the rest queued as jobs
    // Newer messages, some arriving as attempts finish and make room in memory, with batches still queued.
    const later = await send(10, 100);
    const arrived = () => receiver.at('/backlog').map((webhook) => webhook.headers['webhook-id']);
    await waitFor('every message', () => arrived().length >= 50, 30_000);
    const lastEarlier = Math.max(...earlier.map((id) => arrived().indexOf(id)));
    // Before, a newer batch went into memory whenever an attempt finished, ahead of the queued ones (5 of them
    // arrived before 15 older ones).
    expect(
      arrived()
        .slice(0, lastEarlier)
        .filter((id) => later.includes(id)),
    ).toEqual([]);
    expect(new Set(arrived())).toEqual(new Set([...earlier, ...later]));
    expect(arrived()).toHaveLength(50);
  });
});
