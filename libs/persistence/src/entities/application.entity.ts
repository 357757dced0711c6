import { Entity, Index, PrimaryColumn, Column } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns';

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
