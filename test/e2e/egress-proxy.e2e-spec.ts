import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { ForwardProxy } from '../support/forward-proxy';
import { deleteRedisPrefix, REDIS_URL } from '../support/herald';
import { ENTRYPOINT, freePort, HeraldProcess } from '../support/process';
import { waitFor } from '../support/wait';

/**
 * An https endpoint reached through a forward proxy by the real all-in-one process: a CONNECT tunnel to the
 * address the SSRF guard checked, TLS verified against the endpoint's host name (the process trusts the
 * test's certificate through NODE_EXTRA_CA_CERTS, as a deployment behind its own CA would), and the proxy's
 * credentials never printed.
 */
describe('https deliveries through a forward proxy (process)', () => {
  const prefix = `herald-proxy-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  let workDir: string;
  let proxy: ForwardProxy;
  let receiver: Server;
  const received: { path: string; headers: Record<string, string>; body: string }[] = [];
  let herald: HeraldProcess | undefined;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'herald-proxy-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(workDir, 'key.pem'), '-out', join(workDir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    receiver = createServer({ key: readFileSync(join(workDir, 'key.pem')), cert: readFileSync(join(workDir, 'cert.pem')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString() });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    proxy = await new ForwardProxy({ user: 'herald', password }).start();
  });
  afterAll(async () => {
    await herald?.stop();
    await proxy?.stop();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    rmSync(workDir, { recursive: true, force: true });
    await deleteRedisPrefix(prefix);
  });

  it('tunnels to the checked address with CONNECT, verifies TLS for the host name, and redacts the proxy password', async () => {
    const port = await freePort();
    const token = `proxy-token-${randomBytes(8).toString('hex')}`;
    herald = await new HeraldProcess(
      ENTRYPOINT.allInOne,
      {
        REDIS_URL,
        HERALD_PORT: String(port),
        HERALD_QUEUE_PREFIX: prefix,
        HERALD_API_TOKEN: token,
        DATABASE_URL: `sqlite:${join(workDir, 'herald.sqlite')}`,
        HERALD_DATA_DIR: workDir,
        HERALD_PROXY_URL: proxy.url,
        HERALD_PRIVATE_TARGET_ALLOWLIST: '127.0.0.1/32',
        NODE_EXTRA_CA_CERTS: join(workDir, 'cert.pem'),
      },
      workDir,
    ).ready();
    const svix = new Svix(token, { serverUrl: `http://127.0.0.1:${port}` });
    const app = await svix.application.create({ name: 'proxied' });
    const receiverPort = (receiver.address() as AddressInfo).port;
    const endpoint = await svix.endpoint.create(app.id, { url: `https://localhost:${receiverPort}/tls` });
    await svix.message.create(app.id, { eventType: 'ping', payload: { over: 'tls' } });

    await waitFor('the delivery at the https receiver', () => received.length === 1);
    const { key } = await svix.endpoint.getSecret(app.id, endpoint.id);
    expect(() => new Webhook(key).verify(received[0].body, received[0].headers)).not.toThrow();
    expect(received[0].headers.host).toBe(`localhost:${receiverPort}`);
    expect(proxy.requests).toEqual([{ method: 'CONNECT', target: `127.0.0.1:${receiverPort}`, host: `127.0.0.1:${receiverPort}`, authorized: true }]);

    expect(herald.stdout).toContain(`deliveries through http://herald:***@127.0.0.1:${proxy.port}`);
    expect(herald.stdout + herald.stderr).not.toContain(password);
  });
});
