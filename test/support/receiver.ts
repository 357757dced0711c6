import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

/** One answer: a status, or a status with a body and headers; `hang` never answers at all. */
export type Reply = number | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'hang';
/** How a path answers: one reply, or a list used in turn (the last one repeats). */
export type Behaviour = Reply | Reply[];

/** A real HTTP server that records every webhook it gets and answers as told per path. */
export class Receiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly hits = new Map<string, number>();
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const path = req.url ?? '/';
        const hit = this.hits.get(path) ?? 0;
        this.hits.set(path, hit + 1);
        this.received.push({ path, headers: flatten(req.headers), body, receivedAt: Date.now() });
        const behaviour = this.behaviours.get(path) ?? 200;
        const reply = Array.isArray(behaviour) ? behaviour[Math.min(hit, behaviour.length - 1)] : behaviour;
        if (reply === 'hang') return;
        const { status, body: text = `answered ${status}`, headers = {}, delayMs = 0 } = typeof reply === 'number' ? { status: reply } : reply;
        setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(text), delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Sets how `path` answers. */
  on(path: string, behaviour: Behaviour): string {
    this.behaviours.set(path, behaviour);
    return `${this.url}${path}`;
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((webhook) => webhook.path === path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flatten(headers: IncomingMessage['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
}
