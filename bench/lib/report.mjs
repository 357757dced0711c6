// The report: ratios to the baselines, the issue's targets, and a short Markdown table.
import { cpus, totalmem } from 'node:os';
import { round } from './util.mjs';

export const BASELINE_A = 'baseline (a) bullmq+undici';
export const BASELINE_B = 'baseline (b) raw undici';
/** Herald as docker-compose runs it: admin, ingest and delivery in processes of their own. */
export const HERALD_SPLIT = 'Herald split: 4 processes';
/** The tracing scenario's pair: the same burst untraced, and with spans exported to a local OTLP sink. */
export const HERALD_TRACING_OFF = 'Herald, tracing off';
export const HERALD_TRACING_ON = 'Herald, tracing exported';

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/**
 * Adds the same-run ratios to Herald's results: bursts as delivered/s over each baseline's delivered/s
 * (for 100 endpoints: attempts/s over the baselines' one-endpoint rate), fixed rates as p99 over
 * baseline (a)'s p99 at the same rate.
 */
export function addRatios(results) {
  const find = (system, key) => results.find((result) => result.system === system && result.key === key && !result.error && !result.skipped);
  const a = find(BASELINE_A, 'burst-1');
  const b = find(BASELINE_B, 'burst-1');
  for (const result of results) {
    if (![`herald`, HERALD_SPLIT].includes(result.system) || result.error || result.skipped) continue;
    if (result.key.startsWith('burst')) {
      result.vsBaselineA = ratio(result.deliveredPerSecond, a?.deliveredPerSecond);
      result.vsBaselineB = ratio(result.deliveredPerSecond, b?.deliveredPerSecond);
    } else if (result.key.startsWith('rate-')) {
      result.p99VsBaselineA = ratio(result.latencyMs?.p99, find(BASELINE_A, result.key)?.latencyMs?.p99);
    }
  }
}

/** The traced burst's cost against the untraced one of the same run: CPU ms per message added, delivered/s as a ratio. */
export function addTracingCost(results) {
  const find = (system) => results.find((result) => result.system === system && !result.error && !result.skipped);
  const [off, on] = [find(HERALD_TRACING_OFF), find(HERALD_TRACING_ON)];
  if (!off || !on) return;
  if (on.cpuMsPerMessage !== undefined && off.cpuMsPerMessage !== undefined) on.tracingCpuMsPerMessage = round(on.cpuMsPerMessage - off.cpuMsPerMessage, 3);
  on.tracingRateRatio = ratio(on.deliveredPerSecond, off.deliveredPerSecond);
}

/** Issue 16's targets per database: [burst × baseline (a), CPU ms per message, worst p99 at 300 msg/s, p99 at 1,000 msg/s]. */
const TARGETS = { sqlite: { burst: 1.0, cpu: 0.2, p99At300: 25, p99At1000: 100 }, postgres: { burst: 0.7, cpu: 0.3, p99At300: 50 } };

/** The issue's targets, each with the measured value and whether it is met (null: not measured). */
export function targets(results, quick) {
  const herald = results.filter((result) => result.system === 'herald' && !result.error && !result.skipped);
  const rows = [];
  for (const database of [...new Set(herald.map((r) => r.database))]) {
    const goal = TARGETS[database];
    const of = (key) => herald.filter((r) => r.database === database && r.key === key);
    for (const burst of of('burst-1')) {
      rows.push(
        target(`burst delivered/s ≥ ${goal.burst} × baseline (a), ${database}`, burst.vsBaselineA, (v) => v >= goal.burst, `${burst.vsBaselineA} ×`, burst),
      );
      rows.push(target(`CPU per message ≤ ${goal.cpu} ms, ${database}`, burst.cpuMsPerMessage, (v) => v <= goal.cpu, `${burst.cpuMsPerMessage} ms`, burst));
      for (const wide of of('burst-100'))
        rows.push(
          target(
            `100 endpoints: attempts/s ≥ 1 endpoint's, ${database}`,
            ratio(wide.deliveredPerSecond, burst.deliveredPerSecond),
            (v) => v >= 1,
            `${ratio(wide.deliveredPerSecond, burst.deliveredPerSecond)} ×`,
            wide,
          ),
        );
    }
    const at300 = of('rate-300');
    if (at300.length) {
      const worst = at300.reduce((a, b) => ((b.latencyMs.p99 ?? Infinity) > (a.latencyMs.p99 ?? Infinity) ? b : a));
      const runs = at300.length > 1 ? `worst of ${at300.length}` : 'one run';
      rows.push(
        target(
          `p99 at 300 msg/s ≤ ${goal.p99At300} ms (${runs}), ${database}`,
          worst.latencyMs.p99,
          (v) => v <= goal.p99At300,
          `${worst.latencyMs.p99} ms`,
          worst,
        ),
      );
    }
    for (const at1000 of goal.p99At1000 ? of('rate-1000') : [])
      rows.push(
        target(
          `p99 at 1,000 msg/s for ${at1000.seconds} s ≤ ${goal.p99At1000} ms, ${database}`,
          at1000.latencyMs.p99,
          (v) => v <= goal.p99At1000,
          `${at1000.latencyMs.p99} ms`,
          at1000,
        ),
      );
    for (const noisy of of('noisy-hanging'))
      rows.push(target(`noisy neighbour: healthy p99 ≤ 1.2 × clean run, ${database}`, noisy.p99VsClean, (v) => v <= 1.2, `${noisy.p99VsClean} ×`, noisy));
    for (const sse of of('sse')) {
      const clients = quick ? ` (quick: ${sse.clients} clients, not 1,000)` : '';
      rows.push(target(`SSE p99 lag ≤ 100 ms with 1,000 clients, ${database}${clients}`, sse.lagMs.p99, (v) => v <= 100, `${sse.lagMs.p99} ms`, sse));
    }
    const peak = Math.max(...herald.filter((r) => r.database === database).map((r) => r.peakRssMb ?? 0));
    rows.push(target(`peak RSS ≤ 300 MB, ${database}`, peak || null, (v) => v <= 300, `${peak} MB`, { complete: true }));
  }
  return rows;
}

function target(name, value, test, shown, result) {
  const measured = value !== null && value !== undefined;
  return {
    target: name,
    value: measured ? value : null,
    shown: measured ? shown : 'not measured',
    met: measured ? test(value) && result.complete !== false : null,
  };
}

export function markdown(run) {
  const lines = [
    `# Herald benchmark${run.quick ? ' (quick)' : ''}`,
    '',
    `${run.date}, ${Math.round(run.tookSeconds)} s. Machine: ${run.machine.cores} × ${run.machine.cpu}, ${run.machine.memoryGb} GB RAM, Node ${run.machine.node}, ${run.machine.platform}.`,
    `Bursts: ${run.settings.messages} messages, ${run.settings.concurrency} producer requests in flight; the 100-endpoint burst sends ${run.settings.fanoutMessages} messages, each to all ${run.settings.fanoutEndpoints} endpoints (${run.settings.fanoutMessages * run.settings.fanoutEndpoints} attempts).`,
    `Fixed rates: ${run.settings.rates.map((r) => `${r.rate} msg/s for ${r.seconds} s${r.runs > 1 ? ` × ${r.runs}` : ''}`).join(', ')}, open loop. Noisy neighbour: ${describeNoisy(run.settings.noisy)}. SSE: ${run.settings.sse.clients} clients in ${run.settings.sse.processes} processes, ${run.settings.sse.rate} msg/s for ${run.settings.sse.seconds} s.`,
    '',
    '| scenario | system | db | accepted/s | delivered/s | p50 / p95 / p99 ms | × baseline (a) | × baseline (b) | delivered | peak RSS MB | note |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...run.results.map(row),
    '',
    "Latency: bursts from each send to its arrival at the receiver; fixed rates from each message's planned send time (no coordinated omission); noisy neighbour: the healthy endpoints only; SSE: lag from the receiver's arrival to each client's. × baseline: delivered/s ratio for bursts (100 endpoints: attempts/s against the baselines' one-endpoint burst), p99 ratio for fixed rates.",
    '',
    `Resident memory right after start, before any load: ${startRss(run.results)}.`,
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...run.targets.map((t) => `| ${t.target} | ${t.shown} | ${t.met === null ? '–' : t.met ? 'yes' : 'no'} |`),
    '',
  ];
  return lines.join('\n');
}

function row(r) {
  const cell = (value) => (value === null || value === undefined ? '' : String(value));
  const system = r.system === 'herald' ? 'Herald' : r.system;
  if (r.error || r.skipped)
    return `| ${r.scenario} | ${system} | ${cell(r.database)} |  |  |  |  |  |  |  | ${r.error ? `error: ${r.error.slice(0, 120)}` : `skipped: ${r.skipped}`} |`;
  const latency = r.lagMs ?? r.latencyMs;
  const latencyCell = latency ? `${cell(latency.p50)} / ${cell(latency.p95)} / ${cell(latency.p99)}` : '';
  let delivered = r.key === 'sse' ? `${r.events}/${r.expectedEvents} events` : `${r.delivered}/${r.expectedAttempts}`;
  if (r.duplicates || r.duplicateEvents) delivered += `, ${r.duplicates || r.duplicateEvents} dup`;
  if (!r.complete) delivered += ' INCOMPLETE';
  return `| ${r.scenario} | ${system} | ${cell(r.database)} | ${cell(r.acceptedPerSecond)} | ${cell(r.deliveredPerSecond)} | ${latencyCell} | ${cell(r.vsBaselineA ?? r.p99VsBaselineA)} | ${cell(r.vsBaselineB)} | ${delivered} | ${cell(r.peakRssMb)} | ${note(r)} |`;
}

function note(r) {
  if (r.accepted !== undefined && r.accepted < r.messages)
    return `only ${r.accepted} of ${r.messages} messages accepted${r.refused ? ` (${r.refused} refused)` : ' (stopped at the deadline)'}`;
  if (r.key === 'burst-100') return `${r.messagesDeliveredPerSecond} messages/s`;
  if (r.system === HERALD_TRACING_ON)
    return `CPU ${r.cpuMsPerMessage} ms per message (${r.tracingCpuMsPerMessage >= 0 ? '+' : ''}${r.tracingCpuMsPerMessage} ms, delivered/s ${r.tracingRateRatio} × tracing off); ${r.spansExported} spans exported for ${r.messages + (r.warmupMessages ?? 0)} messages (3 each: ingest, attempt, POST)`;
  if (r.cpuMsPerMessage !== undefined)
    return `CPU ${r.cpuMsPerMessage} ms${r.redisCommandsPerMessage !== undefined ? `, ${r.redisCommandsPerMessage} Redis commands` : ''} per message`;
  if (r.key === 'noisy-hanging') return `p99 ${r.p99VsClean} × clean; ${r.hangingRequests} requests hung`;
  if (r.key === 'sse') return `${r.connected} clients connected, ${r.droppedClients} dropped; deliveries p99 ${r.deliveryLatencyMs?.p99} ms`;
  if (r.key.startsWith('rate-') && r.generatorLateP99Ms > 5) return `generator ${r.generatorLateP99Ms} ms late (p99)`;
  if (r.refused) return `${r.refused} refused`;
  return '';
}

function describeNoisy(noisy) {
  return `${noisy.healthyEndpoints} healthy endpoints at ${noisy.healthyRate} msg/s (each message to all), plus ${noisy.noisyRate} msg/s to one hanging endpoint in another application, HERALD_DELIVERY_TIMEOUT=${noisy.deliveryTimeout}, ${noisy.seconds} s`;
}

function startRss(results) {
  const seen = new Map();
  for (const r of results) {
    const name = r.system === 'herald' ? `Herald ${r.database}` : r.system;
    if (r.startRssMb && !seen.has(name))
      seen.set(name, [...new Set(results.filter((x) => x.system === r.system && x.database === r.database && x.startRssMb).map((x) => x.startRssMb))]);
  }
  return [...seen].map(([name, values]) => `${name} ${values.join(', ')} MB`).join('; ') || 'not measured';
}

function ratio(value, base) {
  return value && base ? round(value / base) : null;
}
