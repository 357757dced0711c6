import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource, In } from 'typeorm';
import { ApplicationService, DeliveryService, DomainModule, EndpointService, FanoutService, MessageService, RecoveryService } from '@herald/domain';
import { Delivery, IdempotencyKey, Message, MessageAttempt } from '@herald/persistence';
import { JOB_NAME, jobId, QueueName } from '@herald/queue';
import { DATABASE_KINDS } from '../support/databases';
import { deleteRedisPrefix, startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { sleep } from '../support/wait';

/** The reconciler's sweep and retention, on real Redis and a real database, no workers running. */
describe.each(DATABASE_KINDS)('recovery (%s)', (database) => {
  let herald: TestHerald;
  let receiver: Receiver;
  let db: DataSource;
  let tasks: Queue;
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
    tasks = get(getQueueToken(QueueName.Tasks));
    deliveries = get(getQueueToken(QueueName.Deliveries));
  });

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  async function messageWithEndpoint(reply = 200) {
    const app = (await get<ApplicationService>(ApplicationService).create({ name: 'recovery' })).application;
    await get<EndpointService>(EndpointService).create(app.id, { url: receiver.on(`/r-${Math.random()}`, reply) });
    return get<MessageService>(MessageService).create(app.id, { eventType: 'ping', payload: { keep: 'me' } });
  }

  it('re-enqueues the fan-out of a message never fanned out, and leaves alone what Redis still has', async () => {
    // Ingest fans out in the same transaction as the insert; a message without fannedOutAt is one stored
    // by an earlier Herald, whose fan-out job Redis then lost (`lost`) or still has (`kept`).
    const lost = await messageWithEndpoint();
    const kept = await messageWithEndpoint();
    await db.getRepository(Message).update({ id: In([lost.id, kept.id]) }, { fannedOutAt: null });
    await tasks.add(JOB_NAME[QueueName.Tasks], { messageId: kept.id }, { jobId: jobId.fanout(kept.id) });
    await sleep(60); // overdue by more than one reconcile interval

    const result = await get<RecoveryService>(RecoveryService).sweep();
    expect(result.fanOuts).toBeGreaterThanOrEqual(1);
    expect(await tasks.getJob(jobId.fanout(lost.id))).toBeDefined();
    expect(await (await tasks.getJob(jobId.fanout(kept.id)))!.getState()).toBe('waiting');
    expect((await get<RecoveryService>(RecoveryService).sweep()).fanOuts).toBe(0); // everything present now
  });

  it('puts back the due attempt of a delivery after Redis was flushed', async () => {
    const message = await messageWithEndpoint(500);
    await get<FanoutService>(FanoutService).fanOut(message.id);
    const delivery = await db.getRepository(Delivery).findOneByOrFail({ messageId: message.id });
    await get<DeliveryService>(DeliveryService).attempt(delivery.id, 1); // fails: attempt 2 is scheduled in ~1 s
    await deleteRedisPrefix(herald.config.queuePrefix); // FLUSHDB, for this test's keys
    expect(await deliveries.getJob(jobId.delivery(delivery.id, 2))).toBeUndefined();

    await sleep(1_300); // attempt 2 is now due (1 s + 20 % jitter) and overdue
    expect((await get<RecoveryService>(RecoveryService).sweep()).deliveries).toBeGreaterThanOrEqual(1);
    const job = await deliveries.getJob(jobId.delivery(delivery.id, 2));
    expect(job?.data).toEqual({ deliveryId: delivery.id, attempt: 2 });
  });

  it('expunges payloads and response bodies past retention, keeping the rows and their metadata', async () => {
    const old = await messageWithEndpoint(500);
    const fresh = await messageWithEndpoint(500);
    for (const message of [old, fresh]) {
      await get<FanoutService>(FanoutService).fanOut(message.id);
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

    const result = await get<RecoveryService>(RecoveryService).expunge();
    expect(result).toEqual({ messages: 1, attempts: 1 });
    expect((await db.getRepository(Message).findOneByOrFail({ id: old.id })).payload).toBe('{}');
    expect(JSON.parse((await db.getRepository(Message).findOneByOrFail({ id: fresh.id })).payload)).toEqual({ keep: 'me' });
    const [oldAttempt] = await db.getRepository(MessageAttempt).findBy({ messageId: old.id });
    expect(oldAttempt).toMatchObject({ response: '{}', responseStatusCode: 500 });
    expect((await db.getRepository(MessageAttempt).findBy({ messageId: fresh.id }))[0].response).toBe('answered 500');
    expect(await db.getRepository(IdempotencyKey).findOneBy({ key: `old-${database}` })).toBeNull();
    expect(await db.getRepository(IdempotencyKey).findOneBy({ key: `new-${database}` })).not.toBeNull();
    expect(await get<RecoveryService>(RecoveryService).expunge()).toEqual({ messages: 0, attempts: 0 });
  });
});
