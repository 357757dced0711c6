// The webhook receiver, in the bench process: answers 200 at once and notes when each webhook arrived,
// keyed by `webhook-id` and path (one path per endpoint), so every attempt can be matched to its send.
// Paths starting with /hang never answer: the noisy neighbour's endpoint, held until Herald gives up.
// Paths containing /flaky/ answer 500 to the first attempt of each webhook and 200 to the next: only that success counts as its arrival.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { now } from './util.mjs';

export async function startReceiver() {
  /** `${webhook-id} ${path}` → first arrival time (see util.now) */
  const arrivals = new Map();
  /** path → endpoint secret key bytes, for the endpoints whose signatures are checked */
  const secrets = new Map();
  const hanging = new Set();
  const counts = { duplicates: 0, unsigned: 0, badSignatures: 0, hung: 0, failedOnPurpose: 0 };
  /** `${webhook-id} ${path}` of flaky paths' first attempts, already failed. */
  const failedOnce = new Set();

  const server = createServer((req, res) => {
    const at = now(); // the headers are in: the webhook has arrived
    if (req.url.startsWith('/hang')) {
      counts.hung++;
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      req.resume();
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      const key = `${id} ${req.url}`;
      if (req.url.includes('/flaky/') && !failedOnce.has(key)) {
        failedOnce.add(key);
        counts.failedOnPurpose++;
        res.statusCode = 500;
        return res.end('failing the first attempt on purpose');
      }
      if (arrivals.has(key)) counts.duplicates++;
      else arrivals.set(key, at);
      const secret = secrets.get(req.url);
      if (secret) checkSignature(secret, id, req.headers, Buffer.concat(chunks));
      res.end('ok');
    });
  });

  function checkSignature(secret, id, headers, body) {
    const header = headers['webhook-signature'];
    if (!header) return counts.unsigned++;
    const expected = createHmac('sha256', secret).update(`${id}.${headers['webhook-timestamp']}.`).update(body).digest();
    const valid = header.split(' ').some((part) => {
      const [version, signature] = part.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!valid) counts.badSignatures++;
  }

  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${server.address().port}`,
    arrivals,
    counts,
    /** Signatures to `path` are checked with this `whsec_…` secret from then on. */
    expectSecret(path, whsec) {
      secrets.set(path, Buffer.from(whsec.replace(/^whsec_/, ''), 'base64'));
    },
    /** A clean slate for the next scenario. */
    reset() {
      arrivals.clear();
      secrets.clear();
      failedOnce.clear();
      for (const name of Object.keys(counts)) counts[name] = 0;
    },
    /** Drops the hanging requests (Herald sees a reset connection). */
    releaseHanging() {
      for (const res of hanging) res.destroy();
      hanging.clear();
    },
    close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
