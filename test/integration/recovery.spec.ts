import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ApplicationService, DeliveryService, DomainModule, EndpointService, MessageIntake, ReconciliationService, RetentionService } from '@herald/domain';
import { Delivery, IdempotencyKey, Message, MessageAttempt } from '@herald/persistence';
import { jobId, QueueName } from '@herald/queue';
import { DATABASE_KINDS } from '../support/databases';
import { deleteRedisPrefix, startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { sleep } from '../support/wait';

/** The reconciler's sweep and retention, on real Redis and a real database, no workers running. */
describe.each(DATABASE_KINDS)('reconciliation and retention (%s)', (database) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let db: DataSource;
  let deliveries: Queue;
  const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({
      database,
      apps: [DomainModule],
      listen: false,
      env: { HERALD_RECONCILE_INTERVAL: '50ms', HERALD_RETENTION_DAYS: '30', HERALD_RETRY_SCHEDULE: '0s,1s' },
    });
    db = get(DataSource);
    deliveries = get(getQueueToken(QueueName.Deliveries));
  });

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  async function messageWithEndpoint(reply = 200) {
    const app = (await get<ApplicationService>(ApplicationService).create({ name: 'recovery' })).application;
    await get<EndpointService>(EndpointService).create(app.id, { url: receiver.on(`/r-${Math.random()}`, reply) });
    return get<MessageIntake>(MessageIntake).accept(app.id, { eventType: 'ping', payload: { keep: 'me' } });
  }

  it('gives a message stored without its deliveries (by a Herald before 0.2) its deliveries and first attempts', async () => {
    // Such a Herald stored the message alone, with fannedOutAt null, and fanned it out from a queue of its
    // own: the message below is made to look like one, its delivery removed.
    const app = (await get<ApplicationService>(ApplicationService).create({ name: 'before 0.2' })).application;
    const endpoint = await get<EndpointService>(EndpointService).create(app.id, { url: receiver.on(`/old-${database}`, 200) });
    const message = await get<MessageIntake>(MessageIntake).accept(app.id, { eventType: 'ping', payload: {} });
    await db.getRepository(Delivery).delete({ messageId: message.id });
    await db.getRepository(Message).update({ id: message.id }, { fannedOutAt: null });
    await sleep(60); // overdue by more than one reconcile interval

    expect((await get<ReconciliationService>(ReconciliationService).sweep()).messages).toBeGreaterThanOrEqual(1);
    const delivery = await db.getRepository(Delivery).findOneByOrFail({ messageId: message.id, endpointId: endpoint.id });
    expect(await deliveries.getJob(jobId.delivery(delivery.id, 1))).toBeDefined();
    expect((await db.getRepository(Message).findOneByOrFail({ id: message.id })).fannedOutAt).toBeInstanceOf(Date);
    expect((await get<ReconciliationService>(ReconciliationService).sweep()).messages).toBe(0); // nothing left to give
  });

  it('puts back the due attempt of a delivery after Redis was flushed', async () => {
    const message = await messageWithEndpoint(500);
    const delivery = await db.getRepository(Delivery).findOneByOrFail({ messageId: message.id });
    await get<DeliveryService>(DeliveryService).attempt(delivery.id, 1); // fails: attempt 2 is scheduled in ~1 s
    await deleteRedisPrefix(herald.config.queuePrefix); // FLUSHDB, for this test's keys
    expect(await deliveries.getJob(jobId.delivery(delivery.id, 2))).toBeUndefined();

    await sleep(1_300); // attempt 2 is now due (1 s + 20 % jitter) and overdue
    expect((await get<ReconciliationService>(ReconciliationService).sweep()).deliveries).toBeGreaterThanOrEqual(1);
    const job = await deliveries.getJob(jobId.delivery(delivery.id, 2));
    expect(job?.data).toEqual({ deliveryId: delivery.id, attempt: 2 });
  });

  it('expunges payloads and response bodies past retention, keeping the rows and their metadata', async () => {
    const old = await messageWithEndpoint(500);
    const fresh = await messageWithEndpoint(500);
    for (const message of [old, fresh]) {
      const delivery = await db.getRepository(Delivery).findOneByOrFail({ messageId: message.id });
      await get<DeliveryService>(DeliveryService).attempt(delivery.id, 1);
    }
    const longAgo = new Date(Date.now() - 31 * 86_400_000);
    await db.getRepository(Message).update({ id: old.id }, { createdAt: longAgo });
    await db.getRepository(MessageAttempt).update({ messageId: old.id }, { createdAt: longAgo });
    await db.getRepository(IdempotencyKey).insert([
      { key: `old-${database}`, fingerprint: 'x', statusCode: 200, response: '{}', createdAt: new Date(Date.now() - 25 * 3_600_000) },
      { key: `new-${database}`, fingerprint: 'x', statusCode: 200, response: '{}', createdAt: new Date() },
    ]);

    const result = await get<RetentionService>(RetentionService).expunge();
    expect(result).toEqual({ messages: 1, attempts: 1 });
    expect((await db.getRepository(Message).findOneByOrFail({ id: old.id })).payload).toBe('{}');
    expect(JSON.parse((await db.getRepository(Message).findOneByOrFail({ id: fresh.id })).payload)).toEqual({ keep: 'me' });
    const [oldAttempt] = await db.getRepository(MessageAttempt).findBy({ messageId: old.id });
    expect(oldAttempt).toMatchObject({ response: '{}', responseStatusCode: 500 });
    expect((await db.getRepository(MessageAttempt).findBy({ messageId: fresh.id }))[0].response).toBe('answered 500');
    expect(await db.getRepository(IdempotencyKey).findOneBy({ key: `old-${database}` })).toBeNull();
    expect(await db.getRepository(IdempotencyKey).findOneBy({ key: `new-${database}` })).not.toBeNull();
    expect(await get<RetentionService>(RetentionService).expunge()).toEqual({ messages: 0, attempts: 0 });
  });
});
