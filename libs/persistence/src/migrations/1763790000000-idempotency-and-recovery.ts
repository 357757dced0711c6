import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

export class IdempotencyAndRecovery1763790000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { name: 'key', type: 'varchar', length: '256', isPrimary: true },
          { name: 'fingerprint', type: 'varchar', length: '64' },
          { name: 'status_code', type: 'integer', default: 0 },
          { name: 'response', type: 'text', isNullable: true },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'ix_idempotency_keys_created', columnNames: ['created_at'] })],
      }),
    );
    await db.addColumn('deliveries', new TableColumn({ name: 'schedule_offset', type: 'integer', default: 0 }));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.dropColumn('deliveries', 'schedule_offset');
    await db.dropTable('idempotency_keys');
  }
}
