import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DataSource } from 'typeorm';
import { Application, inTransaction, insertRows, openDataSource, sqliteWriteTurns } from '@herald/persistence';

/** A writer in the second thread, from the built code (`npm test` builds first): holds a write transaction `holdMs`. */
const SECOND_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { Application, inTransaction, insertRows, joinSqliteWriteTurns, openDataSource } = require(workerData.persistence);
(async () => {
  joinSqliteWriteTurns(workerData.turns);
  const db = await openDataSource(workerData.url);
  await inTransaction(db, async (tx) => {
    await insertRows(tx, Application, [workerData.row]);
    parentPort.postMessage('holding');
    await new Promise((resolve) => setTimeout(resolve, workerData.holdMs));
  });
  await db.destroy();
  parentPort.postMessage('committed');
})();
`;

const row = (id: string) => ({ id, uid: null, name: id, rateLimit: null, throttleRate: null, metadata: {}, createdAt: new Date(), updatedAt: new Date() });

/**
 * The all-in-one's two threads write one SQLite file. A writer that finds the other thread's transaction open
 * waits for its turn without stopping its event loop; left to SQLite's busy_timeout it would sleep inside the
 * driver, its whole thread stopped until the other commits.
 */
describe('SQLite write turns across threads', () => {
  let dir: string;
  let db: DataSource;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-turns-'));
    db = await openDataSource(`sqlite:${join(dir, 'herald.sqlite')}`);
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The second thread, holding its write transaction `holdMs`; `said` resolves when it has said `what`. */
  function secondThread(id: string, holdMs: number) {
    const worker = new Worker(SECOND_THREAD, {
      eval: true,
      workerData: {
        persistence: resolve(__dirname, '../../dist/libs/persistence/src/index.js'),
        turns: sqliteWriteTurns()!.buffer,
        url: `sqlite:${join(dir, 'herald.sqlite')}`,
        row: row(id),
        holdMs,
      },
    });
    const messages: string[] = [];
    const said = (what: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (messages.includes(what) ? resolve() : undefined);
        worker.on('message', (message: string) => {
          messages.push(message);
          check();
        });
        worker.once('error', reject);
        check();
      });
    return { worker, said };
  }

  it('waits for the other thread’s transaction with its event loop running, then writes', async () => {
    const holdMs = 400;
    const { worker, said } = secondThread('app_turns_worker', holdMs);
    try {
      await said('holding');
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const started = Date.now();
      await inTransaction(db, (tx) => insertRows(tx, Application, [row('app_turns_main')]));
      const waited = Date.now() - started;
      clearInterval(ticker);

      expect(waited).toBeGreaterThan(holdMs / 2); // it did wait for the other thread's commit…
      expect(ticks).toBeGreaterThan(waited / 10 / 3); // …with timers still firing meanwhile (none would, in a busy wait)
      await said('committed');
      const ids = (await db.query("SELECT id FROM applications WHERE id LIKE 'app_turns_%' ORDER BY id")) as { id: string }[];
      expect(ids.map(({ id }) => id)).toEqual(['app_turns_main', 'app_turns_worker']);
    } finally {
      await worker.terminate();
    }
  });

  // Last: once the turns are over they stay over.
  it('goes ahead once the other thread has ended mid-write, instead of waiting for a turn that never comes', async () => {
    const { worker, said } = secondThread('app_turns_cut_off', 60_000);
    await said('holding');
    const writing = inTransaction(db, (tx) => insertRows(tx, Application, [row('app_turns_after')]));
    await worker.terminate(); // its transaction never commits, and its turn is never passed on
    sqliteWriteTurns()!.end(); // what the all-in-one's main thread does when its delivery thread exits
    await writing;
    const ids = (await db.query("SELECT id FROM applications WHERE id IN ('app_turns_cut_off', 'app_turns_after')")) as { id: string }[];
    expect(ids.map(({ id }) => id)).toEqual(['app_turns_after']);
  });
});
