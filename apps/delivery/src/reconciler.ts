import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { ReconciliationService, RetentionService } from '@herald/domain';

const RETENTION_EVERY_MS = 3_600_000;

/** Runs the reconciliation sweep every HERALD_RECONCILE_INTERVAL, and retention once an hour, one run at a time. */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Reconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastRetention = 0;

  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly retention: RetentionService,
    private readonly config: HeraldConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.run().finally(() => (this.running = undefined));
    }, this.config.reconcileIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      await this.reconciliation.sweep();
      if (Date.now() - this.lastRetention >= RETENTION_EVERY_MS) {
        this.lastRetention = Date.now();
        await this.retention.expunge();
      }
    } catch (error) {
      this.logger.warn({ msg: 'reconcile sweep failed; next interval retries', error: (error as Error).message });
    }
  }
}
