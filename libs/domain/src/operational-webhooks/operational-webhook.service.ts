import { Injectable, Logger } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import type { Endpoint } from '@herald/persistence';
import { webhookHeaders } from '@herald/signing';
import { WebhookClient } from '../delivery/webhook-client.service';
import { timeSortableId } from '../ids';

/**
 * Webhooks to the operators themselves, about Herald's own events: Svix's `endpoint.disabled` to
 * HERALD_OPERATIONAL_WEBHOOK_URL, signed with HERALD_OPERATIONAL_WEBHOOK_SECRET when it is set. Best effort.
 */
@Injectable()
export class OperationalWebhooks {
  private readonly logger = new Logger(OperationalWebhooks.name);

  constructor(
    private readonly client: WebhookClient,
    private readonly config: HeraldConfig,
  ) {}

  async endpointDisabled(endpoint: Endpoint, reason: string): Promise<void> {
    await this.send('endpoint.disabled', {
      appId: endpoint.appId,
      endpointId: endpoint.id,
      endpointUid: endpoint.uid,
      failSince: endpoint.failingSince?.toISOString() ?? null,
      reason,
    });
  }

  private async send(type: string, data: object): Promise<void> {
    const url = this.config.operationalWebhookUrl;
    if (!url) return;
    const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data });
    const secret = this.config.operationalWebhookSecret;
    const signature = secret ? webhookHeaders([secret], `msg_op_${timeSortableId()}`, Math.floor(Date.now() / 1000), body) : {};
    const outcome = await this.client.post(url, { 'content-type': 'application/json', ...signature }, body);
    if (outcome.statusCode < 200 || outcome.statusCode >= 300) {
      this.logger.warn({ msg: 'operational webhook not accepted', url, statusCode: outcome.statusCode, response: outcome.body.slice(0, 200) });
    }
  }
}
