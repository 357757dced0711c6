import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

/** Written with TypeORM's schema builder, not raw SQL, so the same migration runs on SQLite and PostgreSQL. */
const id = (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '64', isPrimary: name === 'id' });
const ref = (name: string): TableColumnOptions => ({ name, type: 'varchar', length: '64' });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const name256 = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '256', isNullable: nullable });
const int = (name: string, nullable = false, defaultValue?: number): TableColumnOptions => ({
  name,
  type: 'integer',
  isNullable: nullable,
  default: defaultValue,
});
const bool = (name: string): TableColumnOptions => ({ name, type: 'boolean', default: false });
const epochMs = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const timestamps = [epochMs('created_at'), epochMs('updated_at')];

export class InitialSchema1763780000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.createTable(
      new Table({
        name: 'applications',
        columns: [id(), name256('uid', true), name256('name'), int('rate_limit', true), int('throttle_rate', true), text('metadata'), ...timestamps],
        indices: [new TableIndex({ name: 'uq_applications_uid', columnNames: ['uid'], isUnique: true })],
      }),
    );
    await db.createTable(
      new Table({
        name: 'endpoints',
        columns: [
          id(),
          ref('app_id'),
          name256('uid', true),
          text('url'),
          { ...text('description'), default: "''" },
          int('version', false, 1),
          bool('disabled'),
          text('disabled_reason', true),
          int('rate_limit', true),
          int('throttle_rate', true),
          text('filter_types', true),
          text('channels', true),
          text('headers'),
          text('metadata'),
          text('secrets'),
          ...timestamps,
        ],
        indices: [
          new TableIndex({ name: 'uq_endpoints_app_uid', columnNames: ['app_id', 'uid'], isUnique: true }),
          new TableIndex({ name: 'ix_endpoints_app', columnNames: ['app_id'] }),
        ],
      }),
    );
    await db.createTable(
      new Table({
        name: 'event_types',
        columns: [
          { ...name256('name'), isPrimary: true },
          { ...text('description'), default: "''" },
          bool('archived'),
          bool('deprecated'),
          text('schemas', true),
          name256('feature_flag', true),
          name256('group_name', true),
          ...timestamps,
        ],
      }),
    );
    await db.createTable(
      new Table({
        name: 'messages',
        columns: [
          id(),
          ref('app_id'),
          name256('event_type'),
          name256('event_id', true),
          text('payload'),
          text('channels', true),
          text('tags', true),
          epochMs('created_at'),
          epochMs('fanned_out_at', true),
        ],
        indices: [
          new TableIndex({ name: 'uq_messages_app_event_id', columnNames: ['app_id', 'event_id'], isUnique: true }),
          new TableIndex({ name: 'ix_messages_app_created', columnNames: ['app_id', 'created_at'] }),
          new TableIndex({ name: 'ix_messages_fanned_out', columnNames: ['fanned_out_at'] }),
        ],
      }),
    );
    await db.createTable(
      new Table({
        name: 'deliveries',
        columns: [
          id(),
          ref('message_id'),
          ref('endpoint_id'),
          ref('app_id'),
          { name: 'status', type: 'varchar', length: '16' },
          int('attempt_count', false, 0),
          epochMs('next_attempt_at', true),
          ...timestamps,
        ],
        indices: [
          new TableIndex({ name: 'uq_deliveries_message_endpoint', columnNames: ['message_id', 'endpoint_id'], isUnique: true }),
          new TableIndex({ name: 'ix_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'ix_deliveries_endpoint', columnNames: ['endpoint_id', 'status'] }),
        ],
      }),
    );
    await db.createTable(
      new Table({
        name: 'message_attempts',
        columns: [
          id(),
          ref('delivery_id'),
          ref('message_id'),
          ref('endpoint_id'),
          ref('app_id'),
          text('url'),
          int('attempt_number'),
          int('status'),
          int('response_status_code'),
          text('response'),
          int('response_duration_ms'),
          int('trigger_type'),
          epochMs('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_attempts_endpoint', columnNames: ['endpoint_id', 'id'] }),
          new TableIndex({ name: 'ix_attempts_message', columnNames: ['message_id', 'id'] }),
        ],
      }),
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['message_attempts', 'deliveries', 'messages', 'event_types', 'endpoints', 'applications']) {
      await db.dropTable(table);
    }
  }
}
