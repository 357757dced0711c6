import type { DataSource, EntityManager } from 'typeorm';
import { placeholders } from './rows';

const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Runs `work` in a transaction. On SQLite, TypeORM shares one connection between all callers and turns a
 * transaction begun while another is open into a savepoint inside it: the first one's commit would only
 * release the second's savepoint, and a later rollback could undo work already reported as committed. So
 * SQLite transactions here run one at a time (the database takes one writer at a time anyway); PostgreSQL
 * gives each its own pooled connection.
 */
export function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  if (db.options.type === 'postgres') return db.transaction(work);
  const previous = sqliteQueues.get(db) ?? Promise.resolve();
  const result = previous.then(() => db.transaction(work));
  sqliteQueues.set(
    db,
    result.catch(() => undefined),
  );
  return result;
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
