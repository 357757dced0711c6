import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Credentials beyond the bootstrap token: API keys and consumer portal tokens, kept as hashes. */
export class AccessTokens1764200000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.createTable(
      new Table({
        name: 'access_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'hash', type: 'varchar', length: '64' },
          { name: 'name', type: 'varchar', length: '256', isNullable: true },
          { name: 'app_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'read_only', type: 'boolean', default: false },
          { name: 'capabilities', type: 'text', isNullable: true },
          { name: 'feature_flags', type: 'text', isNullable: true },
          { name: 'session_id', type: 'varchar', length: '256', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint', isNullable: true },
          { name: 'revoked_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'ux_access_tokens_hash', columnNames: ['hash'], isUnique: true }),
          new TableIndex({ name: 'ix_access_tokens_app', columnNames: ['app_id'] }),
        ],
      }),
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.dropTable('access_tokens');
  }
}
