import { createServer, IncomingMessage, request, Server } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';

/** What the proxy was asked for: `CONNECT host:port`, or a method with an absolute-form URL. */
export interface ProxiedRequest {
  method: string;
  target: string;
  host?: string;
  authorized: boolean;
}

/**
 * A real HTTP forward proxy, as squid or an egress gateway would be: CONNECT tunnels (https) and
 * absolute-form requests (http), with Basic credentials required when given. Records every request.
 */
export class ForwardProxy {
  readonly requests: ProxiedRequest[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly credentials?: { user: string; password: string }) {}

  /** The proxy's URL, with its credentials when it has them. */
  get url(): string {
    const auth = this.credentials ? `${this.credentials.user}:${this.credentials.password}@` : '';
    return `http://${auth}127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      if (!this.admit(req, req.url ?? '')) return void res.writeHead(407, { 'proxy-authenticate': 'Basic' }).end();
      const target = new URL(req.url ?? '');
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !name.startsWith('proxy-')));
      const upstream = request(
        { host: target.hostname, port: target.port || 80, path: `${target.pathname}${target.search}`, method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    this.server.on('connect', (req: IncomingMessage, client: Socket) => {
      this.track(client);
      if (!this.admit(req, req.url ?? '')) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      const [host, port] = splitHostPort(req.url ?? '');
      const upstream = this.track(
        connect(Number(port), host, () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.pipe(client).pipe(upstream);
        }),
      );
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    this.server.on('connection', (socket: Socket) => this.track(socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private admit(req: IncomingMessage, target: string): boolean {
    const expected = this.credentials && `Basic ${Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString('base64')}`;
    const authorized = !expected || req.headers['proxy-authorization'] === expected;
    this.requests.push({ method: req.method ?? '', target, host: req.headers.host, authorized });
    return authorized;
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  }
}

/** `host:port`, `[v6]:port`. */
function splitHostPort(authority: string): [string, string] {
  const match = /^\[?([^\]]*)\]?:(\d+)$/.exec(authority);
  return match ? [match[1], match[2]] : [authority, '443'];
}
