import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DomainModule, EndpointGate, FULL } from '@herald/domain';
import { QueueName } from '@herald/queue';
import { startTestHerald, TestHerald } from '../support/herald';

/** The per-endpoint gate's Lua script on real Redis. */
describe('EndpointGate', () => {
  let herald: TestHerald;
  let gate: EndpointGate;

  beforeAll(async () => {
    herald = await startTestHerald({ apps: [DomainModule], listen: false, env: { HERALD_ENDPOINT_CONCURRENCY: '3', HERALD_DELIVERY_TIMEOUT: '1s' } });
    gate = herald.app.get(EndpointGate, { strict: false });
  });
  afterAll(async () => herald?.close());

  it('lets at most the cap of attempts in flight per endpoint, and frees a slot on release', async () => {
    const endpoint = { id: 'ep_cap', throttleRate: null };
    expect(await Promise.all(['a', 'b', 'c', 'd'].map((holder) => gate.acquire(endpoint, holder)))).toEqual([0, 0, 0, FULL]);
    expect(await gate.acquire({ id: 'ep_other', throttleRate: null }, 'a')).toBe(0); // another endpoint is not affected
    await gate.release(endpoint.id, 'b');
    expect(await gate.acquire(endpoint, 'd')).toBe(0);
  });

  it('lets an attempt of a full endpoint wait briefly for a slot this process releases, instead of bouncing it', async () => {
    const endpoint = { id: 'ep_wait', throttleRate: null };
    for (const holder of ['a', 'b', 'c']) expect(await gate.acquire(endpoint, holder)).toBe(0);
    const waiting = gate.acquire(endpoint, 'd');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await gate.release(endpoint.id, 'a');
    expect(await waiting).toBe(0);
    // Nobody releases: the waiter gives up and is told to park (a hanging endpoint holds no worker for long).
    expect(await gate.acquire(endpoint, 'e')).toBe(FULL);
  });

  it('expires the slot of a holder that never released it (a crashed worker)', async () => {
    const endpoint = { id: 'ep_crash', throttleRate: null };
    const now = Date.now();
    for (const holder of ['a', 'b', 'c']) expect(await gate.acquire(endpoint, holder, now)).toBe(0);
    expect(await gate.acquire(endpoint, 'd', now)).toBe(FULL);
    expect(await gate.acquire(endpoint, 'd', now + 7_001)).toBe(0); // slot lifetime: 2 × timeout + 5 s
  });

  it('holds an endpoint to its rateLimit per second, then lets it go on the next second', async () => {
    const endpoint = { id: 'ep_rate', throttleRate: 2 };
    const second = Math.floor(Date.now() / 1_000) * 1_000 + 1_000;
    const results: number[] = [];
    for (const holder of ['a', 'b', 'c']) {
      results.push(await gate.acquire(endpoint, holder, second + 100));
      await gate.release(endpoint.id, holder);
    }
    expect(results).toEqual([0, 0, 900]); // the third waits for the next second
    expect(await gate.acquire(endpoint, 'c', second + 1_000)).toBe(0);
  });

  it('hands a released slot to the oldest parked attempt, which a newer attempt cannot take before it runs', async () => {
    const endpoint = { id: 'ep_parked', throttleRate: null };
    const queue = herald.app.get<Queue>(getQueueToken(QueueName.Deliveries), { strict: false });
    const delayed = async (id: string) => (await queue.add('deliver', { deliveryId: id, attempt: 1 }, { jobId: id, delay: 60_000 })).id!;
    const state = async (id: string) => (await queue.getJob(id))!.getState();
    for (const holder of ['a', 'b', 'c']) expect(await gate.acquire(endpoint, holder)).toBe(0);
    await gate.park(endpoint.id, await delayed('parked-1'), 3);
    await gate.park(endpoint.id, await delayed('parked-2'), 3);
    expect([await state('parked-1'), await state('parked-2')]).toEqual(['delayed', 'delayed']);
    await gate.release(endpoint.id, 'a');
    expect([await state('parked-1'), await state('parked-2')]).toEqual(['waiting', 'delayed']);
    // The slot went to parked-1: a newcomer asking before it runs finds the endpoint full, and parked-1 goes.
    expect(await gate.acquire(endpoint, 'newcomer')).toBe(FULL);
    expect(await gate.acquire(endpoint, 'parked-1')).toBe(0);
    // An attempt that ends without sending passes its handed slot on to the next parked one.
    await gate.release(endpoint.id, 'parked-1');
    expect(await state('parked-2')).toBe('waiting');
    expect(await gate.acquire(endpoint, 'newcomer')).toBe(FULL);
  });

  it('wakes a parked attempt at once when a slot freed while it was being parked', async () => {
    const endpoint = { id: 'ep_parked_race', throttleRate: null };
    const queue = herald.app.get<Queue>(getQueueToken(QueueName.Deliveries), { strict: false });
    for (const holder of ['a', 'b', 'c']) expect(await gate.acquire(endpoint, holder)).toBe(0);
    // b releases with nothing parked yet, after the attempt below found the endpoint full and before it is listed.
    await gate.release(endpoint.id, 'b');
    await queue.add('deliver', { deliveryId: 'race', attempt: 1 }, { jobId: 'race-1', delay: 60_000 });
    await gate.park(endpoint.id, 'race-1', 3);
    expect(await (await queue.getJob('race-1'))!.getState()).toBe('waiting');
  });

  it('gives up a handed slot when the woken attempt finds the circuit open and parks again', async () => {
    const endpoint = { id: 'ep_parked_circuit', throttleRate: null };
    const queue = herald.app.get<Queue>(getQueueToken(QueueName.Deliveries), { strict: false });
    for (const holder of ['a', 'b', 'c']) expect(await gate.acquire(endpoint, holder)).toBe(0);
    await queue.add('deliver', { deliveryId: 'circuit', attempt: 1 }, { jobId: 'circuit-1', delay: 60_000 });
    await gate.park(endpoint.id, 'circuit-1', 3);
    await gate.release(endpoint.id, 'a'); // handed to circuit-1
    expect(await gate.acquire(endpoint, 'newcomer')).toBe(FULL);
    await gate.park(endpoint.id, 'circuit-1', 0); // it ran, found the circuit open, parked behind it
    expect(await gate.acquire(endpoint, 'newcomer')).toBe(0);
  });

  it('passes over a parked member whose job ran meanwhile (its park ran out), waking the next one instead', async () => {
    const endpoint = { id: 'ep_stale', throttleRate: null };
    const queue = herald.app.get<Queue>(getQueueToken(QueueName.Deliveries), { strict: false });
    for (const holder of ['a', 'b', 'c']) expect(await gate.acquire(endpoint, holder)).toBe(0);
    await queue.add('deliver', { deliveryId: 'stale', attempt: 1 }, { jobId: 'stale-1' }); // waiting, not delayed: it ran
    await gate.park(endpoint.id, 'stale-1', 3);
    await queue.add('deliver', { deliveryId: 'stale', attempt: 1 }, { jobId: 'stale-2', delay: 60_000 });
    await gate.park(endpoint.id, 'stale-2', 3);
    await gate.release(endpoint.id, 'a');
    expect(await (await queue.getJob('stale-2'))!.getState()).toBe('waiting');
  });
});
