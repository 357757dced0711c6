import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process';
import { waitFor } from './wait';

/**
 * A real three-master Redis Cluster on loopback (redis-server and redis-cli --cluster create), of the test's
 * own. Ports: HERALD_TEST_REDIS_CLUSTER_PORT and the two after it when set, else free ones; each node also
 * listens on its bus port, 10000 higher.
 */
export class RedisCluster {
  ports: number[] = [];
  private dir = '';

  get url(): string {
    return `redis+cluster://${this.ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
  }

  async start(): Promise<this> {
    const base = Number(process.env.HERALD_TEST_REDIS_CLUSTER_PORT ?? 0);
    this.ports = base ? [base, base + 1, base + 2] : await freeClusterPorts(3);
    this.dir = mkdtempSync(join(tmpdir(), 'herald-cluster-'));
    for (const port of this.ports) {
      execFileSync('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
        '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--dir', this.dir, '--pidfile', join(this.dir, `${port}.pid`),
      ]); // prettier-ignore
    }
    await waitFor('the cluster nodes to answer', () => this.ports.every((port) => this.cli(port, 'ping') === 'PONG'), 10_000);
    execFileSync('redis-cli', ['--cluster', 'create', ...this.ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'ignore',
    });
    await waitFor('the cluster to be ok', () => this.ports.every((port) => this.cli(port, 'cluster', 'info').includes('cluster_state:ok')), 20_000);
    return this;
  }

  /** Per node, its keys matching `pattern`. */
  keysByNode(pattern: string): Map<number, string[]> {
    return new Map(this.ports.map((port) => [port, this.cli(port, '--scan', '--pattern', pattern).split('\n').filter(Boolean)]));
  }

  async stop(): Promise<void> {
    for (const port of this.ports) {
      try {
        this.cli(port, 'shutdown', 'nosave');
      } catch {
        // already gone
      }
    }
    await waitFor('the cluster nodes to stop', () => this.ports.every((port) => !this.answers(port)), 10_000);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private answers(port: number): boolean {
    try {
      return this.cli(port, 'ping') === 'PONG';
    } catch {
      return false;
    }
  }

  private cli(port: number, ...args: string[]): string {
    return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  }
}

/** `count` free ports low enough for a bus port (+10000), which is assumed free. */
async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (port <= 55_535 && !ports.includes(port)) ports.push(port);
  }
  return ports;
}
