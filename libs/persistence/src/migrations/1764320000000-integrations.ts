import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Svix's integrations: named, application-scoped credentials whose keys live in access_tokens. */
export class Integrations1764320000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.createTable(
      new Table({
        name: 'integrations',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'app_id', type: 'varchar', length: '64' },
          { name: 'name', type: 'varchar', length: '256' },
          { name: 'feature_flags', type: 'text', isNullable: true },
          { name: 'key_id', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'ix_integrations_app', columnNames: ['app_id', 'id'] })],
      }),
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.dropTable('integrations');
  }
}
