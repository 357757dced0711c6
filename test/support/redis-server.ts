import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import Redis from 'ioredis';
import { freePort } from './process';
import { waitFor } from './wait';

/** A Redis server of the test's own, on a free loopback port, that the test may kill, flush and restart. */
export class PrivateRedis {
  private child?: ChildProcess;
  port = 0;

  /** `password`: the server requires it (`requirepass`). */
  constructor(private readonly password?: string) {}

  get url(): string {
    return `redis://${this.password ? `:${this.password}@` : ''}127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port ||= await freePort();
    const auth = this.password ? ['--requirepass', this.password] : [];
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...auth], { stdio: 'ignore' });
    await waitFor('the private Redis to answer', () => this.command((redis) => redis.ping()).then((pong) => pong === 'PONG'), 10_000);
    return this;
  }

  /** Gone at once, like a crash: everything in it is lost. */
  async kill(): Promise<void> {
    // A killed server has a signalCode and no exitCode: waiting for its exit again would never end.
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await once(this.child, 'exit');
  }

  async flushAll(): Promise<void> {
    await this.command((redis) => redis.flushall());
  }

  private async command<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis({
      port: this.port,
      host: '127.0.0.1',
      password: this.password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await run(redis);
    } finally {
      redis.disconnect();
    }
  }
}
