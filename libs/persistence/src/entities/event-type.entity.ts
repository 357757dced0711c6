import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns';

@Entity('event_types')
export class EventType {
  @PrimaryColumn({ type: 'varchar', length: 256 }) name: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'boolean', default: false }) archived: boolean;
  @Column({ type: 'boolean', default: false }) deprecated: boolean;
  @JsonColumn({ nullable: true }) schemas: Record<string, unknown> | null;
  @JsonColumn({ name: 'feature_flags', nullable: true }) featureFlags: string[] | null;
  @Column({ name: 'group_name', type: 'varchar', length: 256, nullable: true }) groupName: string | null;
  @TimestampColumn({ name: 'created_at' }) createdAt: Date;
  @TimestampColumn({ name: 'updated_at' }) updatedAt: Date;
}
