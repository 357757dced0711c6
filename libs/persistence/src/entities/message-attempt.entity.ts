import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns';

/** Svix's MessageStatus numbers, kept as they are on the wire. */
export enum AttemptStatus {
  Success = 0,
  Pending = 1,
  Fail = 2,
  Sending = 3,
  /** Never recorded by Herald; a filter on it matches nothing. */
  Canceled = 4,
}

/** Svix's MessageAttemptTriggerType. */
export enum AttemptTrigger {
  Scheduled = 0,
  Manual = 1,
}

@Entity('message_attempts')
@Index('ix_attempts_endpoint', ['endpointId', 'id'])
@Index('ix_attempts_message', ['messageId', 'id'])
export class MessageAttempt {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ name: 'delivery_id', type: 'varchar', length: 64 }) deliveryId: string;
  @Column({ name: 'message_id', type: 'varchar', length: 64 }) messageId: string;
  @Column({ name: 'endpoint_id', type: 'varchar', length: 64 }) endpointId: string;
  @Column({ name: 'app_id', type: 'varchar', length: 64 }) appId: string;
  @Column({ type: 'text' }) url: string;
  @Column({ name: 'attempt_number', type: 'integer' }) attemptNumber: number;
  @Column({ type: 'integer' }) status: AttemptStatus;
  /** 0 when no HTTP response came back (timeout, refused connection). */
  @Column({ name: 'response_status_code', type: 'integer' }) responseStatusCode: number;
  /** The response body (or the transport error), truncated to 20 KB. */
  @Column({ type: 'text' }) response: string;
  /** Null for attempts recorded before Herald kept headers. */
  @JsonColumn({ name: 'response_headers', nullable: true }) responseHeaders: Record<string, string> | null;
  @Column({ name: 'response_duration_ms', type: 'integer' }) responseDurationMs: number;
  @Column({ name: 'trigger_type', type: 'integer' }) triggerType: AttemptTrigger;
  @TimestampColumn({ name: 'created_at' }) createdAt: Date;
}
