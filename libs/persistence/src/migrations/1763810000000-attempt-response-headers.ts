import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** Attempts keep the response's headers too, for the admin UI's attempt log. */
export class AttemptResponseHeaders1763810000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.addColumn('message_attempts', new TableColumn({ name: 'response_headers', type: 'text', isNullable: true }));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.dropColumn('message_attempts', 'response_headers');
  }
}
