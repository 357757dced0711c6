// What one message costs each tier of a split deployment (PostgreSQL, Redis, ingest/delivery/admin processes),
// as counts, not timings, so a loaded machine does not spoil them: Redis commands by key group (MONITOR),
// PostgreSQL round trips (a counting proxy in front of it) and transactions and rows (pg_stat_database),
// Redis and PostgreSQL bytes kept per message, connections and resident memory per process.
// README "Scaling out" quotes its output. Needs `npm run build`, PostgreSQL (HERALD_TEST_POSTGRES_URL) and a
// Redis of its own (REDIS_URL: MONITOR and INFO count every client of the server):
//   REDIS_URL=redis://127.0.0.1:6453 node bench/scale-counts.mjs [--messages 2000] [--endpoints 1]
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import pg from 'pg';
import { installExitHandlers, cleanupAll } from './lib/cleanup.mjs';
import { collectDeliveries, expectedKeys } from './lib/deliveries.mjs';
import { burst, sender } from './lib/load.mjs';
import { cpuSeconds, rssMb, peakRssMb } from './lib/processes.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { startHerald } from './lib/systems.mjs';
import { POSTGRES_ADMIN_URL, REDIS_URL, round } from './lib/util.mjs';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '2000' }, endpoints: { type: 'string', default: '1' } } });
const MESSAGES = Number(values.messages);
const ENDPOINTS = Number(values.endpoints);
installExitHandlers();

/** A TCP proxy in front of PostgreSQL counting round trips: a simple query (Q) or an extended query's Sync (S) each wait for the server. */
async function countingProxy(target) {
  const counts = { roundTrips: 0, connections: 0 };
  const server = createServer((client) => {
    counts.connections++;
    const upstream = connect(Number(target.port || 5432), target.hostname);
    let buffer = Buffer.alloc(0);
    let startup = true;
    client.on('data', (chunk) => {
      upstream.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const header = startup ? 4 : 5;
        if (buffer.length < header) break;
        const length = startup ? buffer.readInt32BE(0) : buffer.readInt32BE(1) + 1;
        if (buffer.length < length) break;
        if (startup)
          startup = buffer.readInt32BE(4) === 80877103; // an SSLRequest comes before the startup message
        else if (buffer[0] === 0x51 || buffer[0] === 0x53) counts.roundTrips++;
        buffer = buffer.subarray(length);
      }
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { counts, port: server.address().port, close: () => server.close() };
}

/** Redis commands of a MONITOR capture, by what they touch: BullMQ's keys, the gate's, the live feed's, or other. */
function keyGroup(line, prefix) {
  if (line.startsWith('"monitor"')) return 'other (connection setup, INFO, PING…)';
  if (line.includes(`"${prefix}:deliveries:`) || line.includes(`"${prefix}:first-attempts:`) || line.includes(`"{${prefix}}:`)) return 'queues (BullMQ)';
  if (line.includes(`"${prefix}:gate:`)) return 'endpoint gate';
  if (line.includes(`"${prefix}:live:`)) return 'live feed and stats';
  if (line.includes(`"${prefix}:rate:`)) return 'rate limits';
  return 'other (connection setup, INFO, PING…)';
}

const pgStats = async (client, name) =>
  (
    await client.query(
      `SELECT xact_commit, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted, pg_database_size(datname) AS bytes FROM pg_stat_database WHERE datname = $1`,
      [name],
    )
  ).rows[0];

const runId = `scale${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
await admin.connect();
const proxy = await countingProxy(new URL(POSTGRES_ADMIN_URL));
const receiver = await startReceiver();
const redis = new Redis(REDIS_URL);
try {
  // The bench's createDatabase gives a URL on the real server; route Herald through the proxy instead.
  const herald = await startHerald({
    database: 'postgres',
    runId,
    index: 0,
    split: true,
    env: { HERALD_RATE_LIMIT: '0', HERALD_RATE_LIMIT_ANONYMOUS: '0' },
    databaseUrlFor: (url) => url.replace(/:\d+\//, `:${proxy.port}/`),
  });
  const dbName = `herald_bench_${runId}_0`;
  const prefix = `herald-bench-${runId}-0`;
  const app = await herald.api('POST', '/app', { name: 'scale' });
  const paths = [];
  for (let i = 0; i < ENDPOINTS; i++) {
    paths.push(`/scale/${i}`);
    await herald.api('POST', `/app/${app.id}/endpoint`, { url: `${receiver.url}/scale/${i}` });
  }
  const send = sender(herald.url, `/api/v1/app/${app.id}/msg`, herald.authHeaders);
  // Warm up: connections, prepared plans, the first batch's reads.
  await burst(send, 50, 8, Date.now() + 60_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  // redis-cli's MONITOR: one line per command, `<time> [<db> <client>] "NAME" "arg"…`, client `lua` inside scripts.
  const redisUrl = new URL(REDIS_URL);
  const monitor = spawn('redis-cli', ['-h', redisUrl.hostname, '-p', redisUrl.port || '6379', 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = [];
  let scripted = 0;
  let partial = '';
  monitor.stdout.on('data', (chunk) => {
    const text = partial + chunk;
    const complete = text.split('\n');
    partial = complete.pop();
    for (const line of complete) {
      if (!line.includes('] "')) continue;
      // Commands a Lua script runs, counted apart: they cost no round trip.
      if (line.includes(' lua] ')) scripted++;
      else lines.push(line.slice(line.indexOf('] ') + 2));
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const cpuBefore = herald.pids.map(cpuSeconds);
  const pgBefore = await pgStats(admin, dbName);
  const tripsBefore = proxy.counts.roundTrips;
  const redisBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
  receiver.reset();
  const sent = await burst(send, MESSAGES, 32, Date.now() + 300_000);
  const result = await collectDeliveries(receiver, expectedKeys(sent.accepted, paths, 'sentAt'), Date.now() + 300_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // the last attempts' follow-ups
  monitor.kill();
  const pgAfter = await pgStats(admin, dbName);
  const cpuMsPerMessage = herald.pids.map((pid, i) => round(((cpuSeconds(pid) - cpuBefore[i]) * 1_000) / MESSAGES, 3));
  const trips = proxy.counts.roundTrips - tripsBefore;
  const redisAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);

  const groups = {};
  const commands = {};
  for (const line of lines) {
    const group = keyGroup(line, prefix);
    groups[group] = (groups[group] ?? 0) + 1;
    const name = line.slice(1, line.indexOf('"', 1)).toLowerCase();
    commands[name] = (commands[name] ?? 0) + 1;
  }
  const perMessage = (n) => round(n / MESSAGES, 2);
  const clients = (await redis.client('LIST')).split('\n').filter(Boolean).length;
  const pgConnections = (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [dbName])).rows[0].n;
  const liveStream = await redis.memory('USAGE', `${prefix}:live:{live}:events`);
  const streamLength = await redis.xlen(`${prefix}:live:{live}:events`);
  // startHerald's split order: admin, ingest, then the delivery replicas.
  const names = herald.pids.map((_, i) => ['admin', 'ingest'][i] ?? `delivery ${i - 1}`);
  console.log(
    JSON.stringify(
      {
        messages: MESSAGES,
        endpoints: ENDPOINTS,
        delivered: result.delivered,
        complete: result.complete,
        redis: {
          commandsPerMessage: perMessage(lines.length),
          scriptedCommandsPerMessage: perMessage(scripted),
          byKeyGroup: Object.fromEntries(Object.entries(groups).map(([group, n]) => [group, perMessage(n)])),
          byCommand: Object.fromEntries(
            Object.entries(commands)
              .sort((a, b) => b[1] - a[1])
              .map(([name, n]) => [name, perMessage(n)]),
          ),
          usedMemoryBytesPerMessage: round((redisAfter - redisBefore) / MESSAGES, 0),
          liveStreamBytesPerEvent: streamLength ? round(liveStream / streamLength, 0) : null,
          clientConnections: clients,
        },
        postgres: {
          roundTripsPerMessage: perMessage(trips),
          transactionsPerMessage: perMessage(pgAfter.xact_commit - pgBefore.xact_commit),
          rowsInsertedPerMessage: perMessage(pgAfter.tup_inserted - pgBefore.tup_inserted),
          rowsUpdatedPerMessage: perMessage(pgAfter.tup_updated - pgBefore.tup_updated),
          rowsFetchedPerMessage: perMessage(pgAfter.tup_fetched - pgBefore.tup_fetched),
          rowsScannedPerMessage: perMessage(pgAfter.tup_returned - pgBefore.tup_returned),
          bytesPerMessage: round((pgAfter.bytes - pgBefore.bytes) / MESSAGES, 0),
          connections: pgConnections,
          proxiedConnections: proxy.counts.connections,
        },
        processes: {
          ...Object.fromEntries(herald.pids.map((pid, i) => [names[i], { rssMb: rssMb(pid), peakRssMb: peakRssMb(pid), cpuMsPerMessage: cpuMsPerMessage[i] }])),
        },
      },
      null,
      2,
    ),
  );
  await send.close();
  await herald.stop();
} finally {
  redis.disconnect();
  await receiver.close();
  proxy.close();
  await admin.end();
  await cleanupAll();
}
process.exit(0);
