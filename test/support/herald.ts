import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { HeraldConfig, loadConfig } from '@herald/config';
import { createHerald } from '@herald/platform';
import { ALL_APPS } from '../../apps/all-in-one/src/herald-apps';
import { createTestDatabase, DatabaseKind, TestDatabase } from './databases';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestHerald {
  app: NestFastifyApplication;
  config: HeraldConfig;
  /** Base URL of the listening app, e.g. http://127.0.0.1:41234 */
  url: string;
  token: string;
  close(): Promise<void>;
}

/**
 * A real Herald on a free port: its own database (SQLite file or fresh PostgreSQL database), its own
 * queue prefix in the real Redis, loopback targets allowed. `close()` removes all of it.
 */
export async function startTestHerald(
  options: { database?: DatabaseKind; env?: Record<string, string>; apps?: Type[]; listen?: boolean } = {},
): Promise<TestHerald> {
  const database = await createTestDatabase(options.database ?? 'sqlite');
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-data-'));
  const prefix = `herald-test-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    REDIS_URL,
    DATABASE_URL: database.url,
    HERALD_DATA_DIR: dataDir,
    HERALD_API_TOKEN: `test-token-${randomBytes(12).toString('hex')}`,
    HERALD_QUEUE_PREFIX: prefix,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    HERALD_LOG_LEVEL: 'warn',
    HERALD_SHUTDOWN_TIMEOUT: '2s',
    ...options.env,
  });
  const app = await createHerald(config, options.apps ?? ALL_APPS);
  let url = '';
  if (options.listen === false) await app.init();
  else {
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    url = url.replace('[::1]', '127.0.0.1');
  }
  return {
    app,
    config,
    url,
    token: config.apiToken,
    close: async () => {
      await app.close();
      await cleanup(database, prefix, dataDir);
    },
  };
}

async function cleanup(database: TestDatabase, prefix: string, dataDir: string): Promise<void> {
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
  await deleteRedisPrefix(prefix);
}

/** Deletes every Redis key under a queue prefix (what one test created). */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const stream = redis.scanStream({ match: `${prefix}:*`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
  } finally {
    redis.disconnect();
  }
}
