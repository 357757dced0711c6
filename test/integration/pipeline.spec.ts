import { getQueueToken } from '@nestjs/bullmq';
import { DataSource } from 'typeorm';
import type { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { ApplicationService, ConflictError, DeliveryService, DomainModule, EndpointService, MessageIntake, RESPONSE_BODY_LIMIT } from '@herald/domain';
import { currentSecret } from '@herald/signing';
import { AttemptStatus, Delivery, DeliveryStatus, Endpoint, Message, MessageAttempt } from '@herald/persistence';
import { jobId, QueueName } from '@herald/queue';
import { DATABASE_KINDS } from '../support/databases';
import { startTestHerald, TestHerald } from '../support/herald';
import { Behaviour, Receiver } from '../support/receiver';

/**
 * The domain services on real Redis and a real database, with no workers running: each step is called
 * by hand so the test can look at the rows and the queue in between.
 */
describe.each(DATABASE_KINDS)('pipeline services (%s)', (database) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let db: DataSource;
  let deliveriesQueue: Queue;
  let firstAttemptsQueue: Queue;
  let applications: ApplicationService;
  let endpoints: EndpointService;
  let intake: MessageIntake;
  let delivery: DeliveryService;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({
      database,
      apps: [DomainModule],
      listen: false,
      env: { HERALD_RETRY_SCHEDULE: '0s,1m,1h', HERALD_DELIVERY_TIMEOUT: '400ms' },
    });
    const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });
    db = get(DataSource);
    deliveriesQueue = get(getQueueToken(QueueName.Deliveries));
    firstAttemptsQueue = get(getQueueToken(QueueName.FirstAttempts));
    applications = get(ApplicationService);
    endpoints = get(EndpointService);
    intake = get(MessageIntake);
    delivery = get(DeliveryService);
  });

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  async function newApp() {
    return (await applications.create({ name: 'integration' })).application;
  }

  async function deliveryFor(messageId: string, endpointId: string) {
    return db.getRepository(Delivery).findOneByOrFail({ messageId, endpointId });
  }

  /** An app with one endpoint at `path` answering as told, and one message accepted for it (as ingest does). */
  async function oneDelivery(path: string, reply: Behaviour, headers?: Record<string, string>) {
    const app = await newApp();
    const endpoint = await endpoints.create(app.id, { url: receiver.on(`${path}-${database}`, reply), headers });
    const message = await intake.accept(app.id, { eventType: 'ping', payload: { hello: 'world' } });
    return { endpoint, message, row: await deliveryFor(message.id, endpoint.id), received: () => receiver.at(`${path}-${database}`) };
  }

  it('round-trips every column type through the migrated schema', async () => {
    const app = (await applications.create({ name: 'Types', uid: `types-${database}`, metadata: { team: 'ünïcødé' }, throttleRate: 7 })).application;
    const stored = await applications.get(`types-${database}`);
    expect(stored).toEqual(app);
    expect(stored.createdAt).toBeInstanceOf(Date);
    const endpoint = await endpoints.create(app.id, { url: 'https://example.com/hook', filterTypes: ['a.b'], headers: { 'x-team': 'core' } });
    expect(await endpoints.get(app.id, endpoint.id)).toEqual(endpoint);
    expect(endpoint.disabled).toBe(false);
  });

  it('answers a duplicate uid or eventId with a conflict', async () => {
    await applications.create({ name: 'One', uid: `dup-${database}` });
    await expect(applications.create({ name: 'Two', uid: `dup-${database}` })).rejects.toBeInstanceOf(ConflictError);
    const { application, created } = await applications.create({ name: 'Two', uid: `dup-${database}` }, true);
    expect(created).toBe(false);
    expect(application.name).toBe('One');

    await intake.accept(application.id, { eventType: 'a', payload: {}, eventId: 'evt-1' });
    await expect(intake.accept(application.id, { eventType: 'a', payload: {}, eventId: 'evt-1' })).rejects.toBeInstanceOf(ConflictError);
    expect(await db.getRepository(Message).countBy({ appId: application.id })).toBe(1);
  });

  it('commits the message with its deliveries and queues their first attempts', async () => {
    const app = await newApp();
    const endpoint = await endpoints.create(app.id, { url: receiver.on('/accepted', 200) });
    const message = await intake.accept(app.uid ?? app.id, { eventType: 'order.created', payload: { n: 1 }, channels: ['eu'] });
    const row = await db.getRepository(Message).findOneByOrFail({ id: message.id });
    expect(JSON.parse(row.payload)).toEqual({ n: 1 });
    expect(row.fannedOutAt).toBeInstanceOf(Date);
    const delivery = await deliveryFor(message.id, endpoint.id);
    expect(delivery).toMatchObject({ status: DeliveryStatus.Pending, attemptCount: 0 });
    // No delivery worker in this process: the batch goes to the delivery processes as one job, its lease as nextAttemptAt.
    const [batch] = (await firstAttemptsQueue.getJobs(['waiting'])).filter((job) => job.data.deliveryIds.includes(delivery.id));
    expect(batch.data).toEqual({ deliveryIds: [delivery.id], leasedAt: expect.any(Number) });
    expect(delivery.nextAttemptAt!.getTime()).toBe(batch.data.leasedAt + intake['firstAttempts'].leaseMs);
    expect(await deliveriesQueue.getJob(jobId.delivery(delivery.id, 1))).toBeUndefined();
  });

  it('delivers to matching endpoints only, once, however often the deliveries are made again', async () => {
    const app = await newApp();
    const all = await endpoints.create(app.id, { url: receiver.on('/all', 200) });
    await endpoints.create(app.id, { url: receiver.on('/other-type', 200), filterTypes: ['order.paid'] });
    const onEu = await endpoints.create(app.id, { url: receiver.on('/eu', 200), channels: ['eu'] });
    await endpoints.create(app.id, { url: receiver.on('/us', 200), channels: ['us'] });
    await endpoints.create(app.id, { url: receiver.on('/disabled', 200), disabled: true });
    const message = await intake.accept(app.id, { eventType: 'order.created', payload: {}, channels: ['eu'] });
    const stored = await db.getRepository(Endpoint).findBy({ appId: app.id });
    // What a replay of missing messages does: a pair that has its delivery keeps it.
    await intake.deliver(stored.map((endpoint) => ({ message, endpoint })).filter(({ endpoint }) => [all.id, onEu.id].includes(endpoint.id)));

    const rows = await db.getRepository(Delivery).findBy({ messageId: message.id });
    expect(rows.map((r) => r.endpointId).sort()).toEqual([all.id, onEu.id].sort());
    expect(rows.every((r) => r.status === DeliveryStatus.Pending && r.attemptCount === 0)).toBe(true);
    // Handed over once, at ingest (one batch job here, with no delivery worker), and not scheduled again.
    const batches = (await firstAttemptsQueue.getJobs(['waiting'])).filter((job) => rows.some((r) => job.data.deliveryIds.includes(r.id)));
    expect(batches.flatMap((job) => job.data.deliveryIds).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(
      await deliveriesQueue.getJobs(['waiting', 'delayed', 'prioritized']).then((jobs) => jobs.filter((job) => rows.some((r) => r.id === job.data.deliveryId))),
    ).toEqual([]);
    expect((await db.getRepository(Message).findOneByOrFail({ id: message.id })).fannedOutAt).toBeInstanceOf(Date);
  });

  it('sends a verifiable webhook, records the attempt, and does not send it again on a re-run', async () => {
    const { endpoint, message, row, received: receivedNow } = await oneDelivery('/once', 200, { 'x-tenant': 't1', 'webhook-id': 'spoof' });

    await delivery.attempt(row.id, 1);
    await delivery.attempt(row.id, 1);

    const received = receivedNow();
    expect(received).toHaveLength(1);
    expect(received[0].headers['x-tenant']).toBe('t1');
    expect(received[0].headers['webhook-id']).toBe(message.id);
    expect(new Webhook(currentSecret(endpoint.secrets)).verify(received[0].body, received[0].headers)).toEqual({ hello: 'world' });
    const after = await db.getRepository(Delivery).findOneByOrFail({ id: row.id });
    expect(after).toMatchObject({ status: DeliveryStatus.Succeeded, attemptCount: 1, nextAttemptAt: null });
    const attempts = await db.getRepository(MessageAttempt).findBy({ deliveryId: row.id });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ status: AttemptStatus.Success, responseStatusCode: 200, response: 'answered 200', attemptNumber: 1 });
  });

  it('schedules the next attempt after a failure, and a re-run of the failed attempt only re-schedules it', async () => {
    const { row, received } = await oneDelivery('/fails', 500);

    const before = Date.now();
    await delivery.attempt(row.id, 1);
    const after = await db.getRepository(Delivery).findOneByOrFail({ id: row.id });
    expect(after).toMatchObject({ status: DeliveryStatus.Pending, attemptCount: 1 });
    const wait = after.nextAttemptAt!.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(48_000); // 1 min − 20 % jitter
    expect(wait).toBeLessThanOrEqual(73_000);
    const next = await deliveriesQueue.getJob(jobId.delivery(row.id, 2));
    expect(await next?.getState()).toBe('delayed');

    await next!.remove();
    await delivery.attempt(row.id, 1);
    expect(received()).toHaveLength(1);
    expect(await deliveriesQueue.getJob(jobId.delivery(row.id, 2))).toBeDefined();
  });

  it('gives up after the last scheduled attempt', async () => {
    const { row } = await oneDelivery('/dead', 503);
    for (const attempt of [1, 2, 3]) await delivery.attempt(row.id, attempt);
    expect(await db.getRepository(Delivery).findOneByOrFail({ id: row.id })).toMatchObject({
      status: DeliveryStatus.Failed,
      attemptCount: 3,
      nextAttemptAt: null,
    });
    expect(await deliveriesQueue.getJob(jobId.delivery(row.id, 4))).toBeUndefined();
  });

  it('honours Retry-After on 429 when it asks for longer than the schedule', async () => {
    const { row } = await oneDelivery('/busy', { status: 429, headers: { 'retry-after': '7200' } });
    await delivery.attempt(row.id, 1);
    const wait = (await db.getRepository(Delivery).findOneByOrFail({ id: row.id })).nextAttemptAt!.getTime() - Date.now();
    expect(wait).toBeGreaterThan(7_100_000);
  });

  it('disables the endpoint when it answers 410 Gone', async () => {
    const { endpoint, row } = await oneDelivery('/gone', 410);
    await delivery.attempt(row.id, 1);
    expect(await db.getRepository(Delivery).findOneByOrFail({ id: row.id })).toMatchObject({ status: DeliveryStatus.Failed });
    expect(await db.getRepository(Endpoint).findOneByOrFail({ id: endpoint.id })).toMatchObject({
      disabled: true,
      disabledReason: 'The endpoint answered 410 Gone',
    });
  });

  it('records a timeout as status 0 and keeps at most 20 KB of a response', async () => {
    const app = await newApp();
    const slow = await endpoints.create(app.id, { url: receiver.on(`/hang-${database}`, 'hang') });
    const chatty = await endpoints.create(app.id, { url: receiver.on(`/big-${database}`, { status: 500, body: 'x'.repeat(100_000) }) });
    const message = await intake.accept(app.id, { eventType: 'ping', payload: {} });

    await delivery.attempt((await deliveryFor(message.id, slow.id)).id, 1);
    await delivery.attempt((await deliveryFor(message.id, chatty.id)).id, 1);

    const [timedOut] = await db.getRepository(MessageAttempt).findBy({ endpointId: slow.id });
    expect(timedOut).toMatchObject({ responseStatusCode: 0, response: 'timed out after 400 ms', status: AttemptStatus.Fail });
    expect(timedOut.responseDurationMs).toBeGreaterThanOrEqual(390);
    const [big] = await db.getRepository(MessageAttempt).findBy({ endpointId: chatty.id });
    expect(big.responseStatusCode).toBe(500);
    expect(big.response).toHaveLength(RESPONSE_BODY_LIMIT);
  });

  it('records a refused connection as status 0 with the reason', async () => {
    const app = await newApp();
    const endpoint = await endpoints.create(app.id, { url: 'http://127.0.0.1:9/nothing-listens' });
    const message = await intake.accept(app.id, { eventType: 'ping', payload: {} });
    await delivery.attempt((await deliveryFor(message.id, endpoint.id)).id, 1);
    const [attempt] = await db.getRepository(MessageAttempt).findBy({ endpointId: endpoint.id });
    expect(attempt.responseStatusCode).toBe(0);
    expect(attempt.response).toContain('ECONNREFUSED');
  });
});

describe('SSRF guard on (the default)', () => {
  let herald: TestHerald;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({ apps: [DomainModule], listen: false, env: { HERALD_ALLOW_PRIVATE_TARGETS: 'false' } });
  });
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  it.each([
    ['an IP literal', (url: string) => url, /refused to connect: .*loopback address.*HERALD_ALLOW_PRIVATE_TARGETS=true/],
    // The attempt log must not tell whoever set the URL what a name resolves to.
    [
      'a host name resolving to loopback',
      (url: string) => url.replace('127.0.0.1', 'localhost'),
      /refused to connect: localhost resolves only to non-public addresses.*HERALD_ALLOW_PRIVATE_TARGETS=true/,
    ],
  ])('sends nothing to a loopback receiver addressed by %s', async (_, address, reason) => {
    const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });
    const app = (await get<ApplicationService>(ApplicationService).create({ name: 'ssrf' })).application;
    const path = `/private-${Math.random()}`;
    const endpoint = await get<EndpointService>(EndpointService).create(app.id, { url: address(receiver.on(path, 200)) });
    const message = await get<MessageIntake>(MessageIntake).accept(app.id, { eventType: 'ping', payload: {} });
    const db = get<DataSource>(DataSource);
    const row = await db.getRepository(Delivery).findOneByOrFail({ messageId: message.id });
    await get<DeliveryService>(DeliveryService).attempt(row.id, 1);

    expect(receiver.at(path)).toHaveLength(0);
    const [attempt] = await db.getRepository(MessageAttempt).findBy({ endpointId: endpoint.id });
    expect(attempt.responseStatusCode).toBe(0);
    expect(attempt.response).toMatch(reason);
  });
});
