import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Redis from 'ioredis';
import { parse } from 'yaml';
import { createTestDatabase } from '../support/databases';
import { BuiltStage, composeLiteral, dockerDuration, DockerfileBuild, hostToolEnv, runCommand, startCommand, StepLog } from '../support/dockerfile';
import { freePort, REPO_ROOT } from '../support/process';
import { waitFor } from '../support/wait';

/**
 * The image, built by following the Dockerfile itself (there is no Docker engine here; see
 * test/support/dockerfile.ts for what is followed and what is skipped): the build stage's COPY set
 * into a fresh folder, its RUN steps in order (npm ci, the build, the prune), then the runtime stage from
 * what it copies out of the build stage, started as ENTRYPOINT and CMD say, with production dependencies
 * only. What the Dockerfile forgets to copy, or a step that fails, fails here.
 *
 * It costs what the Dockerfile costs: `npm ci` compiles better-sqlite3 when no prebuilt binary is at
 * hand, a minute or two.
 */
const BUILD_TIMEOUT_MS = 8 * 60_000;

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Deletes the Redis keys under a queue prefix, as deleteRedisPrefix in test/support/herald.ts does; that
 * module loads Herald's own sources into jest, which this test never needs (it runs the image's build).
 */
async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const stream = redis.scanStream({ match: `${prefix}:*`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
  } finally {
    redis.disconnect();
  }
}

/** A process started from the image folder, its output kept. */
class ImageProcess {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;

  constructor(
    readonly argv: string[],
    cwd: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async ready(timeoutMs = 30_000): Promise<this> {
    await waitFor(
      `"is up" from ${this.argv.join(' ')}`,
      () => {
        if (!this.running) throw new Error(`exited with ${this.child.exitCode ?? this.child.signalCode}: ${this.stderr || this.stdout}`);
        return this.stdout.includes(' is up');
      },
      timeoutMs,
    );
    return this;
  }

  /** Resolves with how it ended, or undefined if it is still running after the bound. */
  async exited(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([once(this.child, 'exit'), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    return this.running ? undefined : { code: this.child.exitCode, signal: this.child.signalCode };
  }

  /** The argv of the process we hold the pid of, as the kernel sees it (after any `exec`). */
  cmdline(): string[] {
    const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const argv = argvOf(this.child.pid!);
    if (!['tini', 'tini-static', 'docker-init', 'dumb-init'].includes(basename(argv[0]))) return argv;
    // Started through an init (the host has tini): what matters is the one process it runs.
    const children = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && parentOf(entry) === this.child.pid);
    expect(children).toHaveLength(1);
    return argvOf(Number(children[0]));
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}

function parentOf(pid: string): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …", where comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Ended by its own SIGTERM handling: Nest closes the app, then re-raises the signal (143 through an init). */
const endedBySigterm = (end: { code: number | null; signal: NodeJS.Signals | null } | undefined) =>
  end !== undefined && (end.signal === 'SIGTERM' || end.code === 0 || end.code === 143);

describe('the Dockerfile, followed step by step', () => {
  const build = new DockerfileBuild({ contextDir: REPO_ROOT, baseEnv: hostToolEnv() });
  const prefix = `herald-image-${randomBytes(4).toString('hex')}`;
  const token = `image-token-${randomBytes(12).toString('hex')}`;
  const databaseDir = mkdtempSync(join(tmpdir(), 'herald-image-db-'));
  const started: ImageProcess[] = [];
  let image: BuiltStage;
  let appDir: string;
  let buildMs = 0;
  let startNote: string | undefined;

  /** The container's environment: the image's ENV, then what `docker run -e` would add. */
  const containerEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH ?? '', ...image.env, ...env });
  const start = (env: Record<string, string>, cmd?: string[]) => {
    if (!image) throw new Error('the image did not build: see the first failure');
    const { argv, cwd, env: hostEnv, note } = startCommand(image, cmd);
    startNote ??= note;
    const proc = new ImageProcess(argv, cwd, { ...containerEnv(env), ...hostEnv });
    started.push(proc);
    return proc;
  };

  beforeAll(async () => {
    const t0 = performance.now();
    await build.build();
    buildMs = Math.round(performance.now() - t0);
    image = build.image;
    appDir = build.hostPath(image, image.workdir);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const proc of started) proc.kill();
    const size = image ? (await runCommand(['du', '-sh', appDir], { cwd: tmpdir(), env: hostToolEnv(), timeoutMs: 30_000 })).output.split('\t')[0] : '?';
    build.cleanup();
    rmSync(databaseDir, { recursive: true, force: true });
    await deleteRedisPrefix(prefix);
    const line = (step: StepLog) =>
      `  ${step.stage} l.${step.line} ${(step.ms / 1000).toFixed(1)} s  ${step.step.slice(0, 90)}${step.skipped ? `  [${step.skipped}]` : ''}`;
    console.log(
      `Dockerfile followed in ${(buildMs / 1000).toFixed(1)} s, runtime /app ${size}${startNote ? `, ${startNote}` : ''}:\n${build.steps.map(line).join('\n')}`,
    );
  });

  it('copies into the runtime stage what Herald runs on: the built apps and admin UI, production dependencies only', () => {
    expect(image.workdir).toBe('/app');
    for (const file of ['package.json', 'dist/apps/all-in-one/src/main.js', 'dist/apps/all-in-one/src/migrate.js', 'dist/ui/index.html']) {
      expect(existsSync(join(appDir, file))).toBe(true);
    }
    // No devDependency the production packages do not need (dev, or devOptional: typescript, an optional peer of @nestjs/swagger).
    const buildStage = build.stages.find((stage) => stage.stage.name === 'build')!;
    const lock = JSON.parse(readFileSync(build.hostPath(buildStage, 'package-lock.json'), 'utf8'));
    const devOnly = Object.keys(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).devDependencies);
    const left = devOnly.filter((name) => {
      const entry = lock.packages[`node_modules/${name}`];
      return (entry?.dev || entry?.devOptional) && existsSync(join(appDir, 'node_modules', name));
    });
    expect(left).toEqual([]);
    expect(existsSync(join(appDir, 'node_modules', 'better-sqlite3'))).toBe(true);
    expect(existsSync(join(appDir, 'data'))).toBe(true); // the volume's mount point, made by a RUN step
  });

  describe('the container, started as ENTRYPOINT and CMD say', () => {
    let herald: ImageProcess;
    let port: number;
    let env: Record<string, string>;

    beforeAll(async () => {
      port = await freePort();
      env = {
        REDIS_URL,
        DATABASE_URL: `sqlite:${join(databaseDir, 'herald.sqlite')}`,
        HERALD_PORT: String(port),
        HERALD_API_TOKEN: token,
        HERALD_QUEUE_PREFIX: prefix,
        HERALD_MAX_HEAP_MB: '384',
      };
      herald = await start(env).ready();
    });

    it('runs node itself (no npm, no shell left in between) with the heap flags of the npm start scripts, HERALD_MAX_HEAP_MB honoured', () => {
      const argv = herald.cmdline();
      expect(basename(argv[0])).toBe('node');
      expect(argv).toContain('--max-old-space-size=384');
      expect(argv).toContain('--max-semi-space-size=8');
      expect(argv[argv.length - 1]).toBe('dist/apps/all-in-one/src/main.js');
      // The image's ENV: logs are JSON lines.
      expect(() => JSON.parse(herald.stdout.split('\n')[0])).not.toThrow();
    });

    it('answers health, serves the admin UI it built, and the API to the token', async () => {
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/api/v1/health`)).status).toBe(204);
      const ui = await fetch(`${base}/ui/`);
      expect(ui.status).toBe(200);
      const html = await ui.text();
      const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      expect((await fetch(new URL(script!, `${base}/ui/`))).status).toBe(200);
      expect((await fetch(`${base}/api/v1/app`)).status).toBe(401);
      const apps = await fetch(`${base}/api/v1/app`, { headers: { authorization: `Bearer ${token}` } });
      expect(apps.status).toBe(200);
      expect(await apps.json()).toMatchObject({ data: [] });
      expect((await fetch(`${base}/api/docs/openapi.json`)).status).toBe(200); // @nestjs/swagger, without typescript
    });

    it("passes the Dockerfile's HEALTHCHECK", async () => {
      const healthcheck = image.healthcheck!;
      expect(healthcheck).toBeDefined();
      const timeoutMs = dockerDuration(healthcheck.options.timeout ?? '30s');
      const result = await runCommand(healthcheck.argv, { cwd: appDir, env: containerEnv(env), timeoutMs });
      expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: '' });
      expect(result.ms).toBeLessThan(timeoutMs);
    });

    it('stops cleanly on SIGTERM, after which the HEALTHCHECK fails', async () => {
      herald.child.kill('SIGTERM');
      expect(endedBySigterm(await herald.exited(15_000))).toBe(true);
      expect(herald.stdout).toContain('Stopped on SIGTERM');
      expect(herald.stderr).toBe('');
      const result = await runCommand(image.healthcheck!.argv, { cwd: appDir, env: containerEnv(env), timeoutMs: 10_000 });
      expect(result.code).toBe(1);
    });
  });

  it("runs docker-compose.yml's commands on this image: migrate, then ingest, delivery and admin, on PostgreSQL", async () => {
    const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
    const command = (service: string) => (compose.services[service].command as string[]).map(composeLiteral);
    const database = await createTestDatabase('postgres');
    try {
      const env = async () => ({
        REDIS_URL,
        DATABASE_URL: database.url,
        HERALD_API_TOKEN: token,
        HERALD_QUEUE_PREFIX: prefix,
        HERALD_PORT: String(await freePort()),
        HERALD_MAX_HEAP_MB: '320',
      });
      const migrate = start(await env(), command('migrate'));
      expect(await migrate.exited(30_000)).toEqual({ code: 0, signal: null });
      expect(migrate.stdout).toContain('Database is up to date');

      for (const service of ['ingest', 'delivery', 'admin']) {
        const serviceEnv = await env();
        const proc = await start(serviceEnv, command(service)).ready();
        expect((await fetch(`http://127.0.0.1:${serviceEnv.HERALD_PORT}/api/v1/health`)).status).toBe(204);
        // The service's compose healthcheck (readiness), run as Docker runs it in the container.
        const healthcheck = (compose.services[service].healthcheck.test as string[]).slice(1);
        const checked = await runCommand(healthcheck, {
          cwd: appDir,
          env: containerEnv(serviceEnv),
          timeoutMs: dockerDuration(compose.services[service].healthcheck.timeout),
        });
        expect({ code: checked.code, output: checked.output }).toEqual({ code: 0, output: '' });
        const argv = proc.cmdline();
        expect(basename(argv[0])).toBe('node');
        expect(argv).toContain('--max-old-space-size=320');
        proc.child.kill('SIGTERM');
        expect(endedBySigterm(await proc.exited(15_000))).toBe(true);
        expect(proc.stdout).toContain('Stopped on SIGTERM');
      }
    } finally {
      for (const proc of started) proc.kill();
      await database.drop();
    }
  }, 90_000);
});
