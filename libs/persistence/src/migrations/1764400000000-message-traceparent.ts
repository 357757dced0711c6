import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** A message keeps the trace context of the request that created it, so that its attempts join that trace. */
export class MessageTraceparent1764400000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.addColumn('messages', new TableColumn({ name: 'traceparent', type: 'varchar', length: '128', isNullable: true }));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.dropColumn('messages', 'traceparent');
  }
}
