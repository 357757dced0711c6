import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from './columns';

export enum DeliveryStatus {
  /** Waiting for its next attempt (the first, or a retry) at `nextAttemptAt`. */
  Pending = 'pending',
  Succeeded = 'succeeded',
  /** The schedule ran out, or the endpoint answered 410. */
  Failed = 'failed',
}

/** One message to one endpoint: the unit that is attempted, retried and finally succeeds or fails. */
@Entity('deliveries')
@Index('uq_deliveries_message_endpoint', ['messageId', 'endpointId'], { unique: true })
@Index('ix_deliveries_due', ['status', 'nextAttemptAt'])
@Index('ix_deliveries_endpoint', ['endpointId', 'status'])
export class Delivery {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ name: 'message_id', type: 'varchar', length: 64 }) messageId: string;
  @Column({ name: 'endpoint_id', type: 'varchar', length: 64 }) endpointId: string;
  @Column({ name: 'app_id', type: 'varchar', length: 64 }) appId: string;
  @Column({ type: 'varchar', length: 16 }) status: DeliveryStatus;
  /** Scheduled attempts made so far; attempt n's job id is `<id>-n`, so numbers never repeat. */
  @Column({ name: 'attempt_count', type: 'integer', default: 0 }) attemptCount: number;
  /** The attempt count when the retry schedule last (re)started: a recovery restarts it without reusing attempt numbers. */
  @Column({ name: 'schedule_offset', type: 'integer', default: 0 }) scheduleOffset: number;
  @TimestampColumn({ name: 'next_attempt_at', nullable: true }) nextAttemptAt: Date | null;
  @TimestampColumn({ name: 'created_at' }) createdAt: Date;
  @TimestampColumn({ name: 'updated_at' }) updatedAt: Date;
}
