#!/usr/bin/env node
// Baseline (a): what a user writes instead of Herald. An HTTP endpoint puts each message in a BullMQ
// queue; a worker POSTs it to its URL with undici. Nothing is persisted, signed or retried on a schedule.
// Run as its own process (as Herald is), driven by the same load generator.
//   PORT=0 REDIS_URL=… PREFIX=… TARGET=http://… CONCURRENCY=64 node bench/baseline-bullmq.mjs
import { Queue, Worker } from 'bullmq';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const connection = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', maxRetriesPerRequest: null };
const prefix = process.env.PREFIX ?? 'baseline';
const target = new URL(process.env.TARGET);
const queue = new Queue('webhooks', { connection, prefix });
const pool = new Pool(target.origin, { connections: 64 });

new Worker(
  'webhooks',
  async (job) => {
    const response = await pool.request({ path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': job.data.id }, body: JSON.stringify(job.data.payload) });
    await response.body.dump();
  },
  { connection, prefix, concurrency: Number(process.env.CONCURRENCY ?? 64), removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } },
);

let next = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const id = `msg_${process.pid}_${next++}`;
    await queue.add('webhook', { id, payload: JSON.parse(Buffer.concat(chunks).toString() || '{}') }, { removeOnComplete: true });
    res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`ready ${server.address().port}`));
