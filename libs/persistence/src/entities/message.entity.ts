import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns';

/** An accepted event: the outbox row. `fannedOutAt` stays null until its deliveries exist. */
@Entity('messages')
@Index('uq_messages_app_event_id', ['appId', 'eventId'], { unique: true })
@Index('ix_messages_app_created', ['appId', 'createdAt'])
export class Message {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ name: 'app_id', type: 'varchar', length: 64 }) appId: string;
  @Column({ name: 'event_type', type: 'varchar', length: 256 }) eventType: string;
  @Column({ name: 'event_id', type: 'varchar', length: 256, nullable: true }) eventId: string | null;
  /** The body exactly as it is sent and signed: JSON text, or any text for a raw message. */
  @Column({ type: 'text' }) payload: string;
  /** A raw message's content type (Svix's messageInRaw); null for a JSON message. */
  @Column({ name: 'content_type', type: 'varchar', length: 256, nullable: true }) contentType: string | null;
  /** When its first attempts are due, if it was scheduled (Svix's deliverAt). */
  @TimestampColumn({ name: 'deliver_at', nullable: true }) deliverAt: Date | null;
  @JsonColumn({ nullable: true }) channels: string[] | null;
  @JsonColumn({ nullable: true }) tags: string[] | null;
  @TimestampColumn({ name: 'created_at' }) createdAt: Date;
  /** The W3C traceparent of the request that created it, when traced: every attempt of its deliveries continues that trace. */
  @Column({ type: 'varchar', length: 128, nullable: true }) traceparent: string | null;
  @Index('ix_messages_fanned_out')
  @TimestampColumn({ name: 'fanned_out_at', nullable: true })
  fannedOutAt: Date | null;
}
