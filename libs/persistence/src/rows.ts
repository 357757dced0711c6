import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Multi-row INSERT and SELECT … WHERE column IN (…) for the hot path (ingest and delivery). At thousands of
 * rows a second TypeORM's query builder costs more CPU than the database itself; these write the SQL
 * straight from the entity's metadata and convert values with the driver's own rules (timestamps, JSON,
 * booleans), so the entities stay the one description of the schema.
 */

/** Bound parameters per statement: far below SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const MAX_PARAMETERS = 8_000;

export async function insertRows<T extends ObjectLiteral>(db: EntityManager, entity: EntityTarget<T>, rows: readonly Partial<T>[]): Promise<void> {
  const metadata = db.connection.getMetadata(entity);
  const { driver } = db.connection;
  const columns = metadata.columns;
  const names = columns.map((column) => driver.escape(column.databaseName)).join(', ');
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values: unknown[] = [];
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    for (const row of chunk) for (const column of columns) values.push(driver.preparePersistentValue(column.getEntityValue(row), column) ?? null);
    await db.query(placeholders(db, `INSERT INTO ${driver.escape(metadata.tableName)} (${names}) VALUES ${chunk.map(() => tuple).join(', ')}`), values);
  }
}

/** The entities whose `property` is one of `values`, in no particular order. */
export async function findIn<T extends ObjectLiteral>(
  db: EntityManager,
  entity: EntityTarget<T>,
  property: keyof T & string,
  values: readonly unknown[],
): Promise<T[]> {
  const unique = [...new Set(values)];
  if (unique.length === 0) return [];
  const metadata = db.connection.getMetadata(entity);
  const { driver } = db.connection;
  const column = metadata.findColumnWithPropertyName(property);
  if (!column) throw new Error(`${metadata.name} has no column ${property}`);
  const found: T[] = [];
  for (let start = 0; start < unique.length; start += MAX_PARAMETERS) {
    const chunk = unique.slice(start, start + MAX_PARAMETERS);
    const sql = `SELECT * FROM ${driver.escape(metadata.tableName)} WHERE ${driver.escape(column.databaseName)} IN (${chunk.map(() => '?').join(', ')})`;
    const rows: Record<string, unknown>[] = await db.query(placeholders(db, sql), chunk);
    for (const row of rows) found.push(hydrate<T>(db, metadata.columns, metadata.create() as T, row));
  }
  return found;
}

function hydrate<T extends ObjectLiteral>(db: EntityManager, columns: ColumnMetadata[], entity: T, row: Record<string, unknown>): T {
  for (const column of columns) column.setEntityValue(entity, db.connection.driver.prepareHydratedValue(row[column.databaseName], column));
  return entity;
}

/**
 * `sql` written with `?` placeholders, in the driver's own: PostgreSQL numbers them. (Values are always bound,
 * never inlined, so a statement's text depends only on its shape and stays in SQLite's statement cache.)
 */
export function placeholders(db: EntityManager, sql: string): string {
  if (db.connection.options.type !== 'postgres') return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * A LIKE pattern (to use with `ESCAPE '\'`) matching the JSON text of a string array that holds `value`: the
 * element's quoted JSON form, with LIKE's own wildcards (`%`, `_`) and escape character made literal, so
 * that a query for `%` finds only a `%` element, never every row.
 */
export function jsonElementPattern(value: string): string {
  return `%${JSON.stringify(value).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
