import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EndpointHealthState } from '@herald/contract';
import type { SigningSecret } from '@herald/signing';
import { JsonColumn, TimestampColumn } from './columns';

@Entity('endpoints')
@Index('uq_endpoints_app_uid', ['appId', 'uid'], { unique: true })
export class Endpoint {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Index('ix_endpoints_app')
  @Column({ name: 'app_id', type: 'varchar', length: 64 })
  appId: string;
  @Column({ type: 'varchar', length: 256, nullable: true }) uid: string | null;
  @Column({ type: 'text' }) url: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'integer', default: 1 }) version: number;
  @Column({ type: 'boolean', default: false }) disabled: boolean;
  @Column({ name: 'disabled_reason', type: 'text', nullable: true }) disabledReason: string | null;
  /** The health actor's state, moved only by delivery outcomes (see EndpointHealth). */
  @Column({ type: 'varchar', length: 16, default: 'healthy' }) health: EndpointHealthState;
  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 }) consecutiveFailures: number;
  /** When the current run of failures began; null while healthy. */
  @TimestampColumn({ name: 'failing_since', nullable: true }) failingSince: Date | null;
  @TimestampColumn({ name: 'circuit_open_until', nullable: true }) circuitOpenUntil: Date | null;
  /** Attempts per second at most; Svix 1.x called it rateLimit. */
  @Column({ name: 'throttle_rate', type: 'integer', nullable: true }) throttleRate: number | null;
  /** The event types it receives (all when null); Svix 2.x calls them eventTypes. */
  @JsonColumn({ name: 'filter_types', nullable: true }) filterTypes: string[] | null;
  @JsonColumn({ nullable: true }) channels: string[] | null;
  @JsonColumn() headers: Record<string, string>;
  @JsonColumn() metadata: Record<string, string>;
  @JsonColumn() secrets: SigningSecret[];
  @TimestampColumn({ name: 'created_at' }) createdAt: Date;
  @TimestampColumn({ name: 'updated_at' }) updatedAt: Date;
}
