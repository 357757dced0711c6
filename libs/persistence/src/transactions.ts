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
  const result = (sqliteWrites.get(db) ?? Promise.resolve()).then(write);
  sqliteWrites.set(
    db,
    result.catch(() => undefined),
  );
  return result;
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
