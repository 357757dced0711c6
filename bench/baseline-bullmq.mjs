#!/usr/bin/env node
// Baseline (a): what a user writes instead of Herald. An HTTP handler puts each message in a BullMQ
// queue and answers 202; a worker in the same process POSTs it to the target with undici. Nothing is
// persisted, signed or retried on a schedule. It runs as its own process, as Herald does, and the bench
// drives it with the same load generator, so both measure accept → deliver.
// Worker concurrency and connections match Herald's defaults (HERALD_DELIVERY_CONCURRENCY 64).
//   PORT=0 REDIS_URL=redis://… PREFIX=… TARGET=http://host:port/path node bench/baseline-bullmq.mjs
import { createServer } from 'node:http';
import { Queue, Worker } from 'bullmq';
import { Pool } from 'undici';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const connection = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', maxRetriesPerRequest: null };
const prefix = process.env.PREFIX ?? 'baseline';
const target = new URL(process.env.TARGET);

const queue = new Queue('webhooks', { connection, prefix });
const pool = new Pool(target.origin, { connections: CONCURRENCY, headersTimeout: 15_000, bodyTimeout: 15_000 });

const worker = new Worker(
  'webhooks',
  async (job) => {
    const response = await pool.request({
      path: target.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': job.data.id },
      body: job.data.body,
    });
    await response.body.dump();
    if (response.statusCode >= 300) throw new Error(`target answered ${response.statusCode}`);
  },
  { connection, prefix, concurrency: CONCURRENCY, removeOnComplete: { count: 0 }, removeOnFail: { count: 1_000 } },
);

let next = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const id = `msg_${process.pid}_${next++}`;
    try {
      const body = Buffer.concat(chunks).toString();
      JSON.parse(body); // validate, as any real handler would
      await queue.add('webhook', { id, body }, { removeOnComplete: true });
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    } catch (error) {
      res.writeHead(500).end(String(error.message));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`ready ${server.address().port}`));

async function shutdown() {
  server.close();
  await worker.close(true);
  await queue.close();
  await pool.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
// Started by the bench with an IPC channel: if the bench dies, so does this.
process.on('disconnect', shutdown);
