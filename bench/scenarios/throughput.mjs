// The two measurements run against Herald and baseline (a) alike: a burst (how fast), and fixed arrival
// rates (how long each message takes at a steady, sustainable or not, load).
import { collectDeliveries, expectedKeys } from '../lib/deliveries.mjs';
import { burst, fixedRate } from '../lib/load.mjs';
import { percentiles, round } from '../lib/util.mjs';

/**
 * `messages` messages with `concurrency` producer requests in flight; each must arrive once at every
 * path in `paths`. Accepted/s counts messages answered 202; delivered/s counts attempts received, from
 * the first send to the last arrival. Latency: from a message's send to its arrival, per attempt.
 */
export async function runBurst({ receiver, send, paths, messages, concurrency, deadline }) {
  receiver.reset();
  const sent = await burst(send, messages, concurrency, deadline);
  const result = await collectDeliveries(receiver, expectedKeys(sent.accepted, paths, 'sentAt'), deadline);
  const deliverSeconds = (result.lastArrival - sent.started) / 1_000;
  return {
    messages,
    accepted: sent.accepted.length,
    refused: sent.refusals.length,
    refusalSample: sent.refusals[0],
    acceptedPerSecond: round(sent.accepted.length / sent.acceptSeconds, 0),
    deliveredPerSecond: result.delivered ? round(result.delivered / deliverSeconds, 0) : 0,
    messagesDeliveredPerSecond: result.delivered ? round(result.delivered / paths.length / deliverSeconds, 0) : 0,
    ...withoutLastArrival(result),
    complete: result.complete && sent.accepted.length === messages,
  };
}

/**
 * `rate` messages per second for `seconds`, open loop, to `paths`; then waits for the stragglers until
 * `deadline`. Latency: from each message's planned send time to its arrival.
 */
export async function runFixedRate({ receiver, send, paths, rate, seconds, deadline }) {
  receiver.reset();
  const sent = await fixedRate(send, rate, seconds, deadline);
  const result = await collectDeliveries(receiver, expectedKeys(sent.accepted, paths, 'plannedAt'), deadline);
  return {
    rate,
    seconds,
    messages: sent.planned,
    accepted: sent.accepted.length,
    refused: sent.refusals.length,
    refusalSample: sent.refusals[0],
    generatorLateP99Ms: percentiles(sent.lateMs).p99,
    ...withoutLastArrival(result),
    complete: result.complete && sent.accepted.length === sent.planned,
  };
}

function withoutLastArrival({ lastArrival: _lastArrival, ...rest }) {
  return rest;
}
