import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '@herald/config';
import { REPO_ROOT } from './support/process';

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

  it.each(heraldServices)('%s runs an npm script that exists and starts a file the build produces', (name) => {
    const [npm, run, script] = compose.services[name].command;
    expect([npm, run]).toEqual(['npm', 'run']);
    expect(scripts[script]).toBeDefined();
    const file = /^node (?:--\S+ )*(\S+)$/.exec(scripts[script])?.[1]; // after any node flags (the heap cap)
    expect(file).toBeDefined();
    expect(existsSync(join(REPO_ROOT, file!))).toBe(true);
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

  it('starts the apps only after migrations completed', () => {
    for (const name of ['ingest', 'delivery', 'admin']) {
      expect(compose.services[name].depends_on.migrate.condition).toBe('service_completed_successfully');
    }
  });

  it('has a Dockerfile whose default command is an npm script that exists', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const cmd = JSON.parse(/^CMD (.+)$/m.exec(dockerfile)![1]) as string[];
    expect(cmd.slice(0, 2)).toEqual(['npm', 'run']);
    expect(scripts[cmd[2]]).toBeDefined();
  });
});
