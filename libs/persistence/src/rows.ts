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
    const tuples = chunk.map((row) => {
      const first = values.length;
      for (const column of columns) values.push(driver.preparePersistentValue(column.getEntityValue(row), column) ?? null);
      return `(${columns.map((_, i) => placeholder(db, first + i)).join(', ')})`;
    });
    await db.query(`INSERT INTO ${driver.escape(metadata.tableName)} (${names}) VALUES ${tuples.join(', ')}`, values);
  }
}

/** The entities whose `property` is one of `values`, in no particular order. */
export async function findIn<T extends ObjectLiteral>(db: EntityManager, entity: EntityTarget<T>, property: keyof T & string, values: readonly unknown[]): Promise<T[]> {
  const unique = [...new Set(values)];
  if (unique.length === 0) return [];
  const metadata = db.connection.getMetadata(entity);
  const { driver } = db.connection;
  const column = metadata.findColumnWithPropertyName(property);
  if (!column) throw new Error(`${metadata.name} has no column ${property}`);
  const found: T[] = [];
  for (let start = 0; start < unique.length; start += MAX_PARAMETERS) {
    const chunk = unique.slice(start, start + MAX_PARAMETERS);
    const list = chunk.map((_, i) => placeholder(db, i)).join(', ');
    const rows: Record<string, unknown>[] = await db.query(`SELECT * FROM ${driver.escape(metadata.tableName)} WHERE ${driver.escape(column.databaseName)} IN (${list})`, chunk);
    for (const row of rows) found.push(hydrate<T>(db, metadata.columns, metadata.create() as T, row));
  }
  return found;
}

function hydrate<T extends ObjectLiteral>(db: EntityManager, columns: ColumnMetadata[], entity: T, row: Record<string, unknown>): T {
  for (const column of columns) column.setEntityValue(entity, db.connection.driver.prepareHydratedValue(row[column.databaseName], column));
  return entity;
}

/** The driver's positional placeholder for the parameter at `index` (0-based). */
function placeholder(db: EntityManager, index: number): string {
  return db.connection.options.type === 'postgres' ? `$${index + 1}` : '?';
}
