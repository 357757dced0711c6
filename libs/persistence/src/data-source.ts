import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM options for a DATABASE_URL: `sqlite:<file>` (better-sqlite3, WAL) or `postgres://…`.
 * Migrations run at start; the schema is never synchronised from the entities.
 */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsRun: true, synchronize: false, logging: false };
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length);
    const database = path === ':memory:' ? ':memory:' : path;
    if (database !== ':memory:') createOwnerOnly(database);
    return {
      ...common,
      type: 'better-sqlite3',
      database,
      enableWAL: true,
      // Batched statements differ by their number of rows: keep more of them prepared than the default 100.
      statementCacheSize: 1_000,
      // NORMAL is durable across process crashes in WAL mode; busy_timeout lets split processes share the file.
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('synchronous = NORMAL');
        db.pragma('busy_timeout = 5000');
        db.pragma('mmap_size = 268435456');
      },
    };
  }
  return { ...common, type: 'postgres', url: databaseUrl, extra: { max: 20 } };
}

/**
 * The database holds endpoint secrets, custom Authorization headers and payloads: its directory is made
 * owner-only and the file is created owner-only (SQLite gives its -wal and -shm files the file's mode), or
 * tightened to that if it is readable by others.
 */
function createOwnerOnly(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
}

/** A data source for scripts and tests: initialised, migrations applied. */
export async function openDataSource(databaseUrl: string): Promise<DataSource> {
  return new DataSource(dataSourceOptions(databaseUrl)).initialize();
}
