// Matching what the receiver got against what was sent: every expected attempt exactly once.
import { log, percentiles, sleep, waitUntil } from './util.mjs';

/**
 * Waits until every key of `expected` (`${messageId} ${path}` → the time latency counts from) has arrived
 * at the receiver, or until `deadline`. Then reports delivered, missing, duplicates and stray arrivals,
 * signature problems, the latency percentiles and the time of the last arrival.
 */
export async function collectDeliveries(receiver, expected, deadline) {
  const present = () => {
    let count = 0;
    for (const key of expected.keys()) if (receiver.arrivals.has(key)) count++;
    return count;
  };
  // Counting the keys is O(n), so only once the receiver holds enough arrivals to possibly be done.
  const progress = setInterval(() => log(`    … ${receiver.arrivals.size}/${expected.size} arrived`), 15_000);
  const complete = await waitUntil(() => receiver.arrivals.size >= expected.size && present() === expected.size, deadline);
  clearInterval(progress);
  if (complete) await sleep(300); // a duplicate sent right behind the last attempt still counts

  const latencies = [];
  let lastArrival = 0;
  for (const [key, from] of expected) {
    const at = receiver.arrivals.get(key);
    if (at === undefined) continue;
    latencies.push(at - from);
    if (at > lastArrival) lastArrival = at;
  }
  return {
    expectedAttempts: expected.size,
    delivered: latencies.length,
    complete: latencies.length === expected.size,
    timedOut: !complete,
    duplicates: receiver.counts.duplicates,
    stray: receiver.arrivals.size - latencies.length,
    unsigned: receiver.counts.unsigned,
    badSignatures: receiver.counts.badSignatures,
    latencyMs: percentiles(latencies),
    lastArrival,
  };
}

/** The receiver keys of every attempt a message makes: one per endpoint path. */
export function expectedKeys(entries, paths, fromField) {
  const expected = new Map();
  for (const entry of entries) for (const path of paths) expected.set(`${entry.id} ${path}`, entry[fromField]);
  return expected;
}
