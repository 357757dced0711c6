import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns';

/**
 * Svix's integration: a named credential for one application, given to a third party. Its key is an
 * access token (kind `integration`, limited to the application) whose id `keyId` names; rotating the key
 * revokes that token and points here at a new one.
 */
@Entity('integrations')
@Index('ix_integrations_app', ['appId', 'id'])
export class Integration {
  /** `integ_…` */
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ name: 'app_id', type: 'varchar', length: 64 }) appId: string;
  @Column({ type: 'varchar', length: 256 }) name: string;
  @JsonColumn({ name: 'feature_flags', nullable: true }) featureFlags: string[] | null;
  /** The live access token that is this integration's key. */
  @Column({ name: 'key_id', type: 'varchar', length: 64 }) keyId: string;
  @TimestampColumn({ name: 'created_at' }) createdAt: Date;
  @TimestampColumn({ name: 'updated_at' }) updatedAt: Date;
}
