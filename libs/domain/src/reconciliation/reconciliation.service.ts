import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource, IsNull, LessThan } from 'typeorm';
import { HeraldConfig } from '@herald/config';
import { Delivery, DeliveryStatus, IdempotencyKey, Message, MessageAttempt } from '@herald/persistence';
import { ensureJob, FanoutJob, JOB_NAME, jobId, QueueName } from '@herald/queue';
import { DeliveryScheduler } from './delivery-scheduler';

/** Rows looked at per sweep step: bounds each sweep's work however far behind Redis is. */
const BATCH = 1_000;
/** Batches of expunging per retention run, at most. */
const MAX_RETENTION_BATCHES = 100;
const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;
const EXPUNGED = '{}';

export interface SweepResult {
  fanOuts: number;
  deliveries: number;
}

/**
 * The database is the source of truth and Redis the fast path: this finds work the database says is due
 * and Redis no longer has (Redis down during ingest, flushed, restarted empty, jobs failed for want of a
 * database) and puts it back. Job ids dedupe, so overlapping sweeps from several replicas are harmless.
 */
@Injectable()
export class RecoveryService {
  private readonly logger = new Logger(RecoveryService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QueueName.Tasks) private readonly tasks: Queue<FanoutJob>,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: HeraldConfig,
  ) {}

  /** Work overdue by more than one reconcile interval: messages never fanned out, deliveries past their next attempt. */
  async sweep(): Promise<SweepResult> {
    const overdue = new Date(Date.now() - this.config.reconcileIntervalMs);
    const messages = await this.db.getRepository(Message).find({
      select: { id: true },
      where: { fannedOutAt: IsNull(), createdAt: LessThan(overdue) },
      order: { createdAt: 'ASC' },
      take: BATCH,
    });
    const fanOutResults = await Promise.all(
      messages.map(({ id }) => ensureJob(this.tasks, JOB_NAME[QueueName.Tasks], { messageId: id }, { jobId: jobId.fanout(id) })),
    );
    const due = await this.db.getRepository(Delivery).find({
      where: { status: DeliveryStatus.Pending, nextAttemptAt: LessThan(overdue) },
      order: { nextAttemptAt: 'ASC' },
      take: BATCH,
    });
    const result = { fanOuts: fanOutResults.filter((r) => r !== 'present').length, deliveries: await this.scheduler.ensure(due) };
    if (result.fanOuts || result.deliveries) this.logger.warn({ msg: 'recovered work missing from Redis', ...result });
    return result;
  }

  /**
   * Retention: payloads (and response bodies and headers) older than HERALD_RETENTION_DAYS are replaced by `{}`; the
   * messages, deliveries and attempts themselves stay, with their metadata. Idempotency keys last a day.
   */
  async expunge(now = Date.now()): Promise<{ messages: number; attempts: number }> {
    const cutoff = now - this.config.retentionDays * 86_400_000;
    const messages = await this.inBatches(Message, 'payload', cutoff);
    const attempts = await this.inBatches(MessageAttempt, 'response', cutoff, { responseHeaders: null });
    await this.db.getRepository(IdempotencyKey).delete({ createdAt: LessThan(new Date(now - IDEMPOTENCY_KEY_TTL_MS)) });
    if (messages || attempts) this.logger.log({ msg: 'expunged content past retention', messages, attempts, retentionDays: this.config.retentionDays });
    return { messages, attempts };
  }

  private async inBatches(
    entity: typeof Message | typeof MessageAttempt,
    column: 'payload' | 'response',
    cutoff: number,
    alsoClear: object = {},
  ): Promise<number> {
    const table = this.db.getMetadata(entity).tableName;
    let total = 0;
    for (let batch = 0; batch < MAX_RETENTION_BATCHES; batch++) {
      const result = await this.db
        .createQueryBuilder()
        .update(entity)
        .set({ [column]: EXPUNGED, ...alsoClear })
        .where(`id IN (SELECT id FROM ${table} WHERE created_at < :cutoff AND ${column} <> :expunged LIMIT ${BATCH})`, { cutoff, expunged: EXPUNGED })
        .execute();
      total += result.affected ?? 0;
      if (!result.affected) break;
    }
    return total;
  }
}
