import { Injectable, Logger } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { AttemptRepository, IdempotencyRepository, MessageRepository } from '@herald/persistence';

const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

/**
 * Retention: payloads (and response bodies and headers) older than HERALD_RETENTION_DAYS are replaced by
 * `{}`; the messages, deliveries and attempts themselves stay, with their metadata. Idempotency keys last a day.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly attempts: AttemptRepository,
    private readonly idempotencyKeys: IdempotencyRepository,
    private readonly config: HeraldConfig,
  ) {}

  async expunge(now = Date.now()): Promise<{ messages: number; attempts: number }> {
    const cutoff = now - this.config.retentionDays * 86_400_000;
    const messages = await this.messages.expungePayloadsBefore(cutoff);
    const attempts = await this.attempts.expungeResponsesBefore(cutoff);
    await this.idempotencyKeys.deleteOlderThan(new Date(now - IDEMPOTENCY_KEY_TTL_MS));
    if (messages || attempts) this.logger.log({ msg: 'expunged content past retention', messages, attempts, retentionDays: this.config.retentionDays });
    return { messages, attempts };
  }
}
