import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Svix 2.x: `rateLimit` was only the old name of `throttleRate` (one column now), an event type has
 * feature flags (a list), a message may be scheduled (`deliverAt`) or raw (its content type), and long
 * operations are background tasks that can be looked up.
 */
export class Svix21764000000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    for (const table of ['applications', 'endpoints']) {
      await db.query(`UPDATE ${table} SET throttle_rate = rate_limit WHERE throttle_rate IS NULL AND rate_limit IS NOT NULL`);
      await db.dropColumn(table, 'rate_limit');
    }

    await db.addColumn('event_types', new TableColumn({ name: 'feature_flags', type: 'text', isNullable: true }));
    const flagged: { name: string; feature_flag: string }[] = await db.query('SELECT name, feature_flag FROM event_types WHERE feature_flag IS NOT NULL');
    for (const row of flagged)
      await db.query(placeholders(db, 'UPDATE event_types SET feature_flags = ? WHERE name = ?'), [JSON.stringify([row.feature_flag]), row.name]);
    await db.dropColumn('event_types', 'feature_flag');

    await db.addColumns('messages', [
      new TableColumn({ name: 'deliver_at', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'content_type', type: 'varchar', length: '256', isNullable: true }),
    ]);

    await db.createTable(
      new Table({
        name: 'background_tasks',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'task', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'app_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'data', type: 'text' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'ix_background_tasks_created', columnNames: ['created_at'] })],
      }),
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.dropTable('background_tasks');
    await db.dropColumn('messages', 'content_type');
    await db.dropColumn('messages', 'deliver_at');
    await db.addColumn('event_types', new TableColumn({ name: 'feature_flag', type: 'varchar', length: '256', isNullable: true }));
    await db.dropColumn('event_types', 'feature_flags');
    for (const table of ['applications', 'endpoints']) await db.addColumn(table, new TableColumn({ name: 'rate_limit', type: 'integer', isNullable: true }));
  }
}

const placeholders = (db: QueryRunner, sql: string) => (db.connection.options.type === 'postgres' ? sql.replace('?', '$1').replace('?', '$2') : sql);
