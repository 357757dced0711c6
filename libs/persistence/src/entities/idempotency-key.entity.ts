import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from './columns';

/**
 * A POST made with an `idempotency-key` header. `statusCode` is 0 while the first request is still
 * running; then it holds the response that every retry with the same key and body gets back.
 */
@Entity('idempotency_keys')
export class IdempotencyKey {
  @PrimaryColumn({ type: 'varchar', length: 256 }) key: string;
  /** SHA-256 of method, path and body: a retry must match it. */
  @Column({ type: 'varchar', length: 64 }) fingerprint: string;
  @Column({ name: 'status_code', type: 'integer', default: 0 }) statusCode: number;
  @Column({ type: 'text', nullable: true }) response: string | null;
  @TimestampColumn({ name: 'created_at' }) createdAt: Date;
}
