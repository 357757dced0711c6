// Noisy neighbour: does one endpoint that hangs until the delivery timeout slow down everyone else?
// The same healthy load runs twice on one Herald: alone (clean), then next to a second application whose
// only endpoint never answers. The healthy endpoints' p99 of the two runs are compared. The hanging
// endpoint is in an application of its own so healthy messages never go to it.
import { fixedRate, sender } from '../lib/load.mjs';
import { round } from '../lib/util.mjs';
import { runFixedRate } from './throughput.mjs';

/** Herald settings for this scenario: a short timeout, so hanging attempts end (and retry) within the run. */
export const NOISY_HERALD_ENV = { HERALD_DELIVERY_TIMEOUT: '3s' };

export async function runNoisyNeighbour({ herald, receiver, tag, healthyEndpoints, healthyRate, noisyRate, seconds, warmupSeconds, deadlineFor }) {
  const healthyApp = await herald.api('POST', '/app', { name: 'healthy' });
  const paths = [];
  for (let i = 0; i < healthyEndpoints; i++) {
    const path = `/${tag}/healthy/${i}`;
    const endpoint = await herald.api('POST', `/app/${healthyApp.id}/endpoint`, { url: `${receiver.url}${path}` });
    receiver.expectSecret(path, (await herald.api('GET', `/app/${healthyApp.id}/endpoint/${endpoint.id}/secret`)).key);
    paths.push(path);
  }
  const noisyApp = await herald.api('POST', '/app', { name: 'noisy' });
  await herald.api('POST', `/app/${noisyApp.id}/endpoint`, { url: `${receiver.url}/hang/${tag}` });

  const healthy = sender(herald.url, `/api/v1/app/${healthyApp.id}/msg`, herald.authHeaders);
  const noisy = sender(herald.url, `/api/v1/app/${noisyApp.id}/msg`, herald.authHeaders);
  try {
    // Unmeasured warm-up, so the clean run does not pay for a cold process (JIT, pools, caches).
    await runFixedRate({ receiver, send: healthy, paths, rate: healthyRate, seconds: warmupSeconds, deadline: deadlineFor() });
    const clean = await runFixedRate({ receiver, send: healthy, paths, rate: healthyRate, seconds, deadline: deadlineFor() });

    // runFixedRate resets the receiver synchronously before its first await, so the hanging requests
    // counted below are this run's.
    const measured = runFixedRate({ receiver, send: healthy, paths, rate: healthyRate, seconds, deadline: deadlineFor() });
    const noise = fixedRate(noisy, noisyRate, seconds, deadlineFor());
    const withNoise = await measured;
    const noiseSent = await noise;
    const hung = receiver.counts.hung;
    receiver.releaseHanging();

    const p99VsClean = clean.latencyMs.p99 && withNoise.latencyMs.p99 ? round(withNoise.latencyMs.p99 / clean.latencyMs.p99) : null;
    const setup = { healthyEndpoints, healthyRate, noisyRate, deliveryTimeout: NOISY_HERALD_ENV.HERALD_DELIVERY_TIMEOUT };
    return {
      clean: { ...clean, setup },
      noisy: { ...withNoise, setup, noisyMessagesAccepted: noiseSent.accepted.length, hangingRequests: hung, p99VsClean },
    };
  } finally {
    receiver.releaseHanging();
    await Promise.all([healthy.close(), noisy.close()]);
  }
}
