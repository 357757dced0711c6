import { isMainThread } from 'node:worker_threads';
import type { DataSource, EntityManager } from 'typeorm';
import { placeholders } from './rows';

const sqliteWrites = new WeakMap<DataSource, Promise<unknown>>();

/**
 * On SQLite every write, in a transaction or not, runs one at a time. TypeORM shares one SQLite connection
 * between all callers: a transaction begun while another is open becomes a savepoint inside it (its commit
 * would only release the savepoint), and a plain statement issued meanwhile joins the open transaction. Either
 * way a later rollback could undo work already reported as done. The database takes one writer at a time
 * anyway. PostgreSQL gives each transaction its own pooled connection, so nothing waits there.
 */
function oneWriterAtATime<T>(db: DataSource, write: () => Promise<T>): Promise<T> {
  if (db.options.type === 'postgres') return write();
  const result = (sqliteWrites.get(db) ?? Promise.resolve()).then(() => inTurn(write));
  sqliteWrites.set(
    db,
    result.catch(() => undefined),
  );
  return result;
}

/**
 * The threads of one process that write the same SQLite file (the all-in-one's delivery thread beside the main
 * thread) take turns here, waiting without blocking their event loop. Left to SQLite, a writer that finds the
 * file locked sleeps inside the driver (busy_timeout's 1, 2, 5, 10 ms…) with its whole thread stopped. A ticket
 * lock, first come first served, so neither thread's stream of writes starves the other's. Cells: the next
 * ticket, the ticket served, and 1 once the turns are over (the other thread has gone: its tickets would never
 * be served or passed on, so from then on nobody waits).
 */
class WriteTurns {
  private readonly cells: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer);
  }

  /** Takes the turn: at once (undefined) when no other thread writes, else a promise of it. */
  take(): Promise<void> | undefined {
    if (this.over) return undefined;
    const ticket = Atomics.add(this.cells, 0, 1);
    if (Atomics.load(this.cells, 1) === ticket) return undefined;
    return this.waitFor(ticket);
  }

  pass(): void {
    Atomics.add(this.cells, 1, 1);
    Atomics.notify(this.cells, 1);
  }

  /** Called when the other thread has ended: writers here no longer wait (this thread's own writes are one at a time anyway). */
  end(): void {
    Atomics.store(this.cells, 2, 1);
    Atomics.notify(this.cells, 1);
  }

  private get over(): boolean {
    return Atomics.load(this.cells, 2) === 1;
  }

  private async waitFor(ticket: number): Promise<void> {
    for (;;) {
      const serving = Atomics.load(this.cells, 1);
      if (serving === ticket || this.over) return;
      const wait = Atomics.waitAsync(this.cells, 1, serving);
      if (wait.async) await wait.value;
    }
  }
}

/** Created by the main thread; a worker thread joins it with `joinSqliteWriteTurns`. */
let turns = isMainThread ? new WriteTurns(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT)) : undefined;

/** The main thread's write turns, for a worker thread that writes the same SQLite file (pass it in workerData; `end` once it has exited). */
export function sqliteWriteTurns(): { buffer: SharedArrayBuffer; end(): void } | undefined {
  return turns;
}

/** In a worker thread: take turns with the main thread's SQLite writers (`sqliteWriteTurns().buffer`). */
export function joinSqliteWriteTurns(buffer: SharedArrayBuffer): void {
  turns = new WriteTurns(buffer);
}

async function inTurn<T>(write: () => Promise<T>): Promise<T> {
  if (!turns) return write();
  const waiting = turns.take();
  if (waiting) await waiting;
  try {
    return await write();
  } finally {
    turns.pass();
  }
}

/** Runs `work` in a transaction (on SQLite, after every write before it). */
export function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return oneWriterAtATime(db, () => db.transaction(work));
}

/** Runs a write outside any transaction (on SQLite, queued with transactions so it can never join one). */
export function outsideTransaction<T>(db: DataSource, write: (db: EntityManager) => Promise<T>): Promise<T> {
  return oneWriterAtATime(db, () => write(db.manager));
}

/**
 * A raw statement inside a transaction, written with `?` placeholders: the hot path's few hand-written
 * statements (UPDATE … RETURNING) run on SQLite and PostgreSQL alike. Returns the rows it selected or returned.
 */
export async function rawQuery<Row>(tx: EntityManager, sql: string, parameters: unknown[]): Promise<Row[]> {
  if (!tx.queryRunner) throw new Error('rawQuery runs inside inTransaction');
  const result = await tx.queryRunner.query(placeholders(tx, sql), parameters, true);
  return (result.records ?? []) as Row[];
}
