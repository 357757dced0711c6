import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns';

/** Svix's BackgroundTaskType. */
export type BackgroundTaskType =
  | 'endpoint.replay'
  | 'endpoint.recover'
  | 'endpoint.bulk-replay'
  | 'application.stats'
  | 'application.purge_content'
  | 'event-type.aggregate'
  | 'message.broadcast'
  | 'sdk.generate';

export type BackgroundTaskStatus = 'running' | 'finished' | 'failed';

/** A long operation (a replay, a recovery, a purge, statistics), looked up by its `qtask_` id. */
@Entity('background_tasks')
export class BackgroundTask {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'varchar', length: 64 }) task: BackgroundTaskType;
  @Column({ type: 'varchar', length: 16 }) status: BackgroundTaskStatus;
  /** The application it worked on, if one. */
  @Column({ name: 'app_id', type: 'varchar', length: 64, nullable: true }) appId: string | null;
  /** Its result once finished (`{ messagesSent }` for a replay…), or `{ error }` when it failed. */
  @JsonColumn() data: Record<string, unknown>;
  @Index('ix_background_tasks_created')
  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
  @TimestampColumn({ name: 'updated_at' }) updatedAt: Date;
}
