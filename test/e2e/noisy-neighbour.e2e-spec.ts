import { Svix } from 'svix';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';
import { waitFor } from '../support/wait';

/** One endpoint hanging until the timeout on every request must not hold back another endpoint. */
describe('fairness between endpoints', () => {
  let herald: TestHerald;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald({
      env: { HERALD_DELIVERY_CONCURRENCY: '8', HERALD_ENDPOINT_CONCURRENCY: '2', HERALD_DELIVERY_TIMEOUT: '5s', HERALD_RETRY_SCHEDULE: '0s,30s' },
    });
  });

  afterAll(async () => {
    await receiver?.stop(); // ends the hanging requests
    await herald?.close();
  });

  it('keeps a healthy endpoint flowing while another hangs, the hanging one holding only its cap of slots', async () => {
    const svix = new Svix(herald.token, { serverUrl: herald.url });
    const app = await svix.application.create({ name: 'Neighbours' });
    await svix.endpoint.create(app.id, { url: receiver.on('/hangs', 'hang') });
    await svix.endpoint.create(app.id, { url: receiver.on('/healthy', 200) });

    for (let i = 0; i < 30; i++) await svix.message.create(app.id, { eventType: 'neighbours', payload: { i } });
    await waitFor('30 deliveries to the healthy endpoint', () => receiver.at('/healthy').length >= 30);

    // With 8 workers and no per-endpoint cap, hanging requests would fill every worker and the healthy
    // endpoint would wait out 5 s timeouts. With the cap, only 2 ever reached the hanging endpoint.
    expect(receiver.at('/hangs')).toHaveLength(2);
  });
});
