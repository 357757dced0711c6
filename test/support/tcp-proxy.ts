import { AddressInfo, createServer, connect, Server, Socket } from 'node:net';

/**
 * A TCP proxy on loopback that a test can cut: `cut()` drops every open connection and refuses new ones
 * until `restore()`. Real sockets breaking, as a flaky network would break them.
 */
export class TcpProxy {
  url = '';
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private refusing = false;

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    const { hostname, port } = new URL(this.target);
    this.server = createServer((client) => {
      if (this.refusing) return void client.destroy();
      const upstream = connect(Number(port), hostname);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  cut(): void {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.refusing = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
