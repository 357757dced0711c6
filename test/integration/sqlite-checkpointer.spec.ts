import { statSync } from 'node:fs';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Application, inTransaction, insertRows } from '@herald/persistence';
import { startTestHerald, TestHerald } from '../support/herald';
import { waitFor } from '../support/wait';

/** SQLite's WAL is folded back into the database file by the background thread, not inside hot-path commits. */
describe('SqliteCheckpointer', () => {
  let herald: TestHerald;
  let db: DataSource;

  beforeAll(async () => {
    herald = await startTestHerald({ database: 'sqlite', listen: false });
    db = herald.app.get(getDataSourceToken(), { strict: false });
  });
  afterAll(async () => herald?.close());

  it('moves the main connection’s own checkpoint far off, and checkpoints in the background within seconds', async () => {
    const connection = (db.driver as unknown as { databaseConnection: { pragma(sql: string, options: { simple: true }): unknown } }).databaseConnection;
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(20_000);
    const file = db.options.database as string;
    const before = statSync(file).size;
    // About 2 MB of new pages: they reach the database file only by a checkpoint, and the main connection's is 80 MB away.
    for (let batch = 0; batch < 20; batch++) {
      const rows = Array.from({ length: 100 }, (_, i) => ({
        id: `app_ckpt_${batch}_${i}`,
        uid: null,
        name: 'x'.repeat(200),
        rateLimit: null,
        throttleRate: null,
        metadata: { padding: 'y'.repeat(500) },
        createdAt: new Date(),
        updatedAt: new Date(),
      }));
      await inTransaction(db, (tx) => insertRows(tx, Application, rows));
    }
    await waitFor('the database file to grow by a checkpoint', () => statSync(file).size > before + 1_000_000, 5_000);
  });
});
