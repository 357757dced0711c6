import { Entity, Index, PrimaryColumn, Column } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns';

/**
 * The application that holds the operational webhook endpoints: Herald's events about itself are messages to
 * it, delivered by the same pipeline as any other (signing, retries, the endpoint gate, the attempt log).
 * Created by a migration; the API never shows it as an application (ApplicationRepository leaves it out).
 */
export const OPERATIONAL_APP_ID = 'app_herald_operational';

@Entity('applications')
export class Application {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Index('uq_applications_uid', { unique: true })
  @Column({ type: 'varchar', length: 256, nullable: true })
  uid: string | null;
  @Column({ type: 'varchar', length: 256 }) name: string;
  /** Messages per second; Svix 1.x called it rateLimit. */
  @Column({ name: 'throttle_rate', type: 'integer', nullable: true }) throttleRate: number | null;
  @JsonColumn() metadata: Record<string, string>;
  @TimestampColumn({ name: 'created_at' }) createdAt: Date;
  @TimestampColumn({ name: 'updated_at' }) updatedAt: Date;
}
