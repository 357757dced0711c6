import { MigrationInterface, QueryRunner } from 'typeorm';
import { OPERATIONAL_APP_ID } from '../entities/application.entity';

/**
 * The application that holds the operational webhook endpoints (see OPERATIONAL_APP_ID). Operational
 * endpoints are its endpoints and operational events its messages, so they need no tables of their own.
 */
export class OperationalWebhooks1764300000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // Plain SQL, not the entity: the migration must insert the columns that exist at this point of the schema's history.
    const now = Date.now();
    const values = db.connection.options.type === 'postgres' ? '$1, NULL, $2, NULL, $3, $4, $4' : '?, NULL, ?, NULL, ?, ?, ?';
    const parameters =
      db.connection.options.type === 'postgres'
        ? [OPERATIONAL_APP_ID, 'Operational webhooks', '{}', now]
        : [OPERATIONAL_APP_ID, 'Operational webhooks', '{}', now, now];
    await db.query(`INSERT INTO applications (id, uid, name, throttle_rate, metadata, created_at, updated_at) VALUES (${values})`, parameters);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['message_attempts', 'deliveries', 'messages', 'endpoints'])
      await db.manager.createQueryBuilder().delete().from(table).where('app_id = :id', { id: OPERATIONAL_APP_ID }).execute();
    await db.manager.createQueryBuilder().delete().from('applications').where('id = :id', { id: OPERATIONAL_APP_ID }).execute();
  }
}
