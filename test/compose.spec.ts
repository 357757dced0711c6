import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '@herald/config';
import { SHUTDOWN_MARGIN_MS } from '@herald/platform';
import { composeLiteral, dockerDuration, parseDockerfile } from './support/dockerfile';
import { REPO_ROOT } from './support/process';

/** The npm script whose command each Herald service runs. */
const SCRIPT_OF: Record<string, string> = { migrate: 'migrate', ingest: 'start:ingest', delivery: 'start:delivery', admin: 'start:admin' };

/**
 * A container command as the line an npm script would run: `sh -c "exec …"` (a shell only to expand
 * ${HERALD_MAX_HEAP_MB}; exec then hands its process to node), or a plain argv. Never npm: as the child of
 * PID 1 it does not pass SIGTERM on reliably, and graceful shutdown never happens.
 */
function commandLine(argv: string[]): string {
  if (argv[0] === 'sh' && argv[1] === '-c') {
    expect(argv).toHaveLength(3);
    expect(argv[2]).toMatch(/^exec node /);
    return argv[2].slice('exec '.length);
  }
  expect(argv[0]).toBe('node');
  for (const arg of argv) expect(arg).not.toMatch(/[\s$]/); // no shell here to expand anything
  return argv.join(' ');
}

/**
 * There is no Docker engine here, so docker-compose.yml and the Dockerfile are checked for what can break
 * silently: services, commands that exist, settings Herald actually reads. The same topology runs as
 * separate processes in test/e2e/processes.e2e-spec.ts.
 */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  const scripts: Record<string, string> = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts;
  const heraldServices = ['migrate', 'ingest', 'delivery', 'admin'];

  it('runs Redis, PostgreSQL, a migration step and the three apps', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['admin', 'delivery', 'ingest', 'migrate', 'postgres', 'redis']);
  });

  it('keeps Redis durable and never evicting', () => {
    const command: string[] = compose.services.redis.command;
    expect(command.join(' ')).toContain('--appendonly yes');
    expect(command.join(' ')).toContain('--appendfsync everysec');
    expect(command.join(' ')).toContain('--maxmemory-policy noeviction');
  });

  it.each(heraldServices)('%s runs the command of its npm script, without npm, and starts a file the build produces', (name) => {
    const script = scripts[SCRIPT_OF[name]];
    expect(script).toBeDefined();
    // `$$` is compose's literal `$`: the container's shell, not compose, reads HERALD_MAX_HEAP_MB.
    expect(commandLine((compose.services[name].command as string[]).map(composeLiteral))).toBe(script);
    const file = /^node (?:--\S+ )*(\S+)$/.exec(script)?.[1]; // after any node flags (the heap cap)
    expect(file).toBeDefined();
    expect(existsSync(join(REPO_ROOT, file!))).toBe(true);
  });

  it.each(heraldServices)("%s keeps the image's init as PID 1 (no entrypoint of its own)", (name) => {
    expect(compose.services[name].entrypoint).toBeUndefined();
  });

  it.each(heraldServices)('%s gives a SIGTERM more time than HERALD_SHUTDOWN_TIMEOUT and its margin before Docker kills it', (name) => {
    const service = compose.services[name];
    const config = loadConfig({ ...service.environment, HERALD_API_TOKEN: 'a-token-of-enough-length' });
    expect(dockerDuration(service.stop_grace_period ?? '10s')).toBeGreaterThan(config.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS);
  });

  it.each(heraldServices)('%s only sets variables Herald reads', (name) => {
    for (const variable of Object.keys(compose.services[name].environment)) expect(CONFIG_VARIABLES).toContain(variable);
  });

  it('points every app at the compose Redis and PostgreSQL, with one shared token', () => {
    for (const name of heraldServices) {
      const env = compose.services[name].environment;
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/herald:herald@postgres:5432\/herald$/);
      expect(env.HERALD_API_TOKEN).toMatch(/^\$\{HERALD_API_TOKEN:\?/);
    }
  });

  it('lets delivery scale: replicas and no fixed host port', () => {
    expect(compose.services.delivery.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(compose.services.delivery.ports).toBeUndefined();
  });

  it('asks readiness of the apps (503 while Redis or the database is down), while the image itself asks liveness', () => {
    for (const name of ['ingest', 'delivery', 'admin']) {
      const { test, timeout } = compose.services[name].healthcheck;
      expect(test[0]).toBe('CMD');
      expect(test.join(' ')).toMatch(/\/api\/v1\/health'/);
      // Longer than the readiness checks' own 2 s bound, so a 503 arrives before the probe gives up.
      expect(dockerDuration(timeout)).toBeGreaterThan(2_000);
    }
    expect(compose.services.migrate.healthcheck).toEqual({ disable: true });
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\/api\/v1\/health\/live'/m);
  });

  it('starts the apps only after migrations completed', () => {
    for (const name of ['ingest', 'delivery', 'admin']) {
      expect(compose.services[name].depends_on.migrate.condition).toBe('service_completed_successfully');
    }
  });

  it("has a Dockerfile that runs, under tini, the command of npm's start:all-in-one", () => {
    const { stages } = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    const image = stages[stages.length - 1].instructions;
    const last = (keyword: string) => JSON.parse(image.filter((instruction) => instruction.keyword === keyword).pop()!.args) as string[];
    expect(last('ENTRYPOINT')).toEqual(['tini', '--']);
    expect(commandLine(last('CMD'))).toBe(scripts['start:all-in-one']);
  });
});
