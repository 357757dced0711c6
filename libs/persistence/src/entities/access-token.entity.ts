import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns';

/**
 * `api-key`: a management key made through the API; `portal`: a consumer portal token (Svix's app-portal-access);
 * `integration`: an integration's key (one application, like an API key limited to it).
 */
export type AccessTokenKind = 'api-key' | 'portal' | 'integration';

/**
 * A credential beyond the bootstrap API token. Only a SHA-256 of the secret is kept, so a copy of the
 * database opens nothing. The database is the one record of which tokens live: a revocation is seen at
 * once by every instance, and nothing in Redis can bring a revoked token back.
 */
@Entity('access_tokens')
export class AccessToken {
  /** `key_…`, `ptok_…` or `ikey_…`: names the token in lists, revocations and rate limits; it is not the secret. */
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 16 }) kind: AccessTokenKind;
  /** SHA-256 of the secret, hex. */
  @Index('ux_access_tokens_hash', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  hash: string;
  @Column({ type: 'varchar', length: 256, nullable: true }) name: string | null;
  /** The one application it may reach; null for every application (API keys only). */
  @Index('ix_access_tokens_app')
  @Column({ name: 'app_id', type: 'varchar', length: 64, nullable: true })
  appId: string | null;
  @Column({ name: 'read_only', type: 'boolean', default: false }) readOnly: boolean;
  /** Svix's AppPortalCapability names it is limited to; null for all. */
  @JsonColumn({ nullable: true }) capabilities: string[] | null;
  @JsonColumn({ name: 'feature_flags', nullable: true }) featureFlags: string[] | null;
  /** Svix's sessionId: tokens of one session are expired together. */
  @Column({ name: 'session_id', type: 'varchar', length: 256, nullable: true }) sessionId: string | null;
  @TimestampColumn({ name: 'created_at' }) createdAt: Date;
  @TimestampColumn({ name: 'expires_at', nullable: true }) expiresAt: Date | null;
  @TimestampColumn({ name: 'revoked_at', nullable: true }) revokedAt: Date | null;
}
