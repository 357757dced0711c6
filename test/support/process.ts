import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait';

export const REPO_ROOT = join(__dirname, '..', '..');

/** Entrypoints as `npm run build` leaves them (the test script builds first). */
export const ENTRYPOINT = {
  allInOne: 'dist/apps/all-in-one/src/main.js',
  ingest: 'dist/apps/ingest/src/main.js',
  delivery: 'dist/apps/delivery/src/main.js',
  admin: 'dist/apps/admin/src/main.js',
  migrate: 'dist/apps/all-in-one/src/migrate.js',
};

/** A Herald process started the way users start it, with its output kept for assertions. */
export class HeraldProcess {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;

  constructor(entry: string, env: Record<string, string>, cwd = REPO_ROOT) {
    this.child = spawn(process.execPath, [join(REPO_ROOT, entry)], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HERALD_LOG_FORMAT: 'text', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  /** Resolves once the process says it is up; fails early with its output if it exits first. */
  async ready(timeoutMs = 30_000): Promise<this> {
    await waitFor(
      `"is up" from ${this.describe()}`,
      () => {
        if (this.child.exitCode !== null) throw new Error(`exited with ${this.child.exitCode}: ${this.stderr || this.stdout}`);
        return this.stdout.includes('is up');
      },
      timeoutMs,
    );
    return this;
  }

  async exited(timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([once(this.child, 'exit'), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    return this.child.exitCode;
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited within the bound. Resolves true when the process shut down
   * by itself (Nest closes the app, then re-raises the signal, so it ends by SIGTERM, not with a code).
   */
  async stop(timeoutMs = 15_000): Promise<boolean> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return true;
    this.child.kill('SIGTERM');
    await this.exited(timeoutMs);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return true;
    this.child.kill('SIGKILL');
    await this.exited(5_000);
    return false;
  }

  private describe(): string {
    return this.child.spawnargs.slice(1).join(' ');
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
