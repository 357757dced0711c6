import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DataSource } from 'typeorm';
import { Application, findIn, inTransaction, insertRows, openDataSource, outsideTransaction } from '@herald/persistence';
import { createTestDatabase, DATABASE_KINDS, TestDatabase } from '../support/databases';

/** The hot path's persistence helpers, on real SQLite and PostgreSQL. */
describe.each(DATABASE_KINDS)('persistence helpers on %s', (kind) => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    db = await openDataSource(database.url);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const application = (id: string): Application =>
    ({
      id,
      uid: null,
      name: id,
      rateLimit: null,
      throttleRate: null,
      metadata: {},
      createdAt: new Date(1_700_000_000_123),
      updatedAt: new Date(1_700_000_000_456),
    }) as Application;

  it('keeps a committed transaction when another one, open at the same time, rolls back', async () => {
    let inside!: () => void;
    const firstIsOpen = new Promise<void>((resolve) => (inside = resolve));
    const failing = inTransaction(db, async (tx) => {
      await insertRows(tx, Application, [application('app_rolled_back')]);
      inside();
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('this one fails');
    });
    await firstIsOpen;
    const committed = inTransaction(db, (tx) => insertRows(tx, Application, [application('app_committed')]));
    await expect(failing).rejects.toThrow('this one fails');
    await committed;
    const stored = await findIn(db.manager, Application, 'id', ['app_committed', 'app_rolled_back']);
    expect(stored.map((app) => app.id)).toEqual(['app_committed']);
  });

  it('keeps a write made outside any transaction while another one is open, when that one rolls back', async () => {
    let inside!: () => void;
    const firstIsOpen = new Promise<void>((resolve) => (inside = resolve));
    const failing = inTransaction(db, async (tx) => {
      await insertRows(tx, Application, [application('app_in_failed_tx')]);
      inside();
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('this one fails');
    });
    await firstIsOpen;
    // On SQLite's one shared connection, a plain statement issued now would join the open transaction.
    const standalone = outsideTransaction(db, (writer) => writer.getRepository(Application).insert(application('app_standalone')));
    await expect(failing).rejects.toThrow('this one fails');
    await standalone;
    const stored = await findIn(db.manager, Application, 'id', ['app_standalone', 'app_in_failed_tx']);
    expect(stored.map((app) => app.id)).toEqual(['app_standalone']);
  });

  it('runs transactions queued together, each rolled back alone when it fails', async () => {
    const results = await Promise.allSettled([
      inTransaction(db, (tx) => insertRows(tx, Application, [application('app_together_1')])),
      inTransaction(db, async (tx) => {
        await insertRows(tx, Application, [application('app_together_failed')]);
        throw new Error('only this one fails');
      }),
      inTransaction(db, async (tx) => {
        await insertRows(tx, Application, [application('app_together_2')]);
        return 'done';
      }),
    ]);
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual([
      undefined,
      'only this one fails',
      'done',
    ]);
    const stored = await findIn(db.manager, Application, 'id', ['app_together_1', 'app_together_failed', 'app_together_2']);
    expect(stored.map((app) => app.id).sort()).toEqual(['app_together_1', 'app_together_2']);
  });

  it('writes and reads rows with the entity conversions (timestamps, JSON, nulls), in chunks', async () => {
    const rows = Array.from({ length: 1_500 }, (_, i) => ({ ...application(`app_bulk_${String(i).padStart(4, '0')}`), metadata: { i: String(i) } }));
    await inTransaction(db, (tx) => insertRows(tx, Application, rows));
    const found = await findIn(db.manager, Application, 'id', [...rows.map((row) => row.id), 'app_missing']);
    expect(found).toHaveLength(1_500);
    const one = found.find((app) => app.id === 'app_bulk_0042')!;
    expect(one).toBeInstanceOf(Application);
    expect(one).toMatchObject({ uid: null, metadata: { i: '42' }, createdAt: new Date(1_700_000_000_123), updatedAt: new Date(1_700_000_000_456) });
  });
});

/** TypeORM's own `transaction()` would nest concurrent SQLite transactions as savepoints of each other. */
it('leaves no transaction in the apps and libs outside inTransaction', () => {
  const root = join(__dirname, '../..');
  const sources = ['apps', 'libs'].flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((file) => join(root, dir, file)));
  const opening = sources.filter(
    (file) =>
      /(?<!\.spec)\.ts$/.test(file) &&
      !file.endsWith(join('persistence', 'src', 'transactions.ts')) &&
      /(?<!this\.db)\.transaction\(/.test(readFileSync(file, 'utf8')),
  );
  expect(opening.map((file) => relative(root, file))).toEqual([]);
});

/** Repositories read through `db.reader` and write only through `db.write` or `db.transaction` (one writer at a time on SQLite). */
it('writes through no repository reader', () => {
  const dir = join(__dirname, '../../libs/persistence/src/repositories');
  const writes = readdirSync(dir).flatMap((file) => {
    const statements = readFileSync(join(dir, file), 'utf8').split(';');
    return statements
      .filter((statement) => /this\.db\.reader/.test(statement) && /\.(insert|update|delete|save|upsert|increment|decrement|execute|query)\(/.test(statement))
      .map((statement) => `${file}: ${statement.trim().slice(0, 120)}`);
  });
  expect(writes).toEqual([]);
});
