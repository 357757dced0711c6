import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

export class EndpointHealth1763800000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.addColumns('endpoints', [
      new TableColumn({ name: 'health', type: 'varchar', length: '16', default: "'healthy'" }),
      new TableColumn({ name: 'consecutive_failures', type: 'integer', default: 0 }),
      new TableColumn({ name: 'failing_since', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'circuit_open_until', type: 'bigint', isNullable: true }),
    ]);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const column of ['circuit_open_until', 'failing_since', 'consecutive_failures', 'health']) await db.dropColumn('endpoints', column);
  }
}
