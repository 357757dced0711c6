import { Injectable, Logger } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { DeliveryRepository, MessageRepository } from '@herald/persistence';
import { DeliveryScheduler } from '../delivery/delivery-scheduler.service';
import { MessageIntake } from '../messages/message-intake.service';

/** Rows looked at per sweep step: bounds each sweep's work however far behind Redis is. */
const BATCH = 1_000;

export interface SweepResult {
  /** Messages stored without their deliveries (by a Herald before 0.2), given them now. */
  messages: number;
  /** Overdue deliveries whose job Redis no longer had. */
  deliveries: number;
}

/**
 * The database is the source of truth and Redis the fast path: this finds work the database says is due
 * and Redis no longer has (Redis down during ingest, flushed, restarted empty, jobs failed for want of a
 * database) and puts it back. Job ids dedupe, so overlapping sweeps from several replicas are harmless.
 * Not to be confused with redelivery, which is an operator sending again on purpose.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly intake: MessageIntake,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: HeraldConfig,
  ) {}

  /** Work overdue by more than one reconcile interval. */
  async sweep(): Promise<SweepResult> {
    const overdue = new Date(Date.now() - this.config.reconcileIntervalMs);
    const withoutDeliveries = await this.messages.withoutDeliveries(overdue, BATCH);
    for (const message of withoutDeliveries) await this.intake.deliverStored(message);
    const result = { messages: withoutDeliveries.length, deliveries: await this.scheduler.ensure(await this.deliveries.overdue(overdue, BATCH)) };
    if (result.messages || result.deliveries) this.logger.warn({ msg: 'recovered work missing from Redis', ...result });
    return result;
  }
}
