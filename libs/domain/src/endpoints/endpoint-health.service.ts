import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HeraldConfig } from '@herald/config';
import type { EndpointEventData } from '@herald/contract';
import { LiveFeed } from '@herald/live';
import { Endpoint } from '@herald/persistence';
import { webhookHeaders } from '@herald/signing';
import { timeSortableId } from './ids';
import { WebhookClient } from './webhook-client';

export interface Admission {
  /** ms to hold the attempt back (circuit open); 0 to go. */
  wait: number;
  /** The circuit's cooldown is over: this attempt is a probe, one at a time. */
  probe: boolean;
}

/**
 * The endpoint health actor: one state machine per endpoint, moved only by delivery outcomes.
 * healthy → failing (a failure) → open (HERALD_CIRCUIT_THRESHOLD failures in a row: attempts wait out
 * HERALD_CIRCUIT_COOLDOWN, then one probe at a time) → healthy on any success; failing continuously for
 * HERALD_DISABLE_AFTER disables the endpoint, records why, streams it and sends `endpoint.disabled` to
 * HERALD_OPERATIONAL_WEBHOOK_URL.
 */
@Injectable()
export class EndpointHealth {
  private readonly logger = new Logger(EndpointHealth.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly live: LiveFeed,
    private readonly client: WebhookClient,
    private readonly config: HeraldConfig,
  ) {}

  admit(endpoint: Endpoint, now = Date.now()): Admission {
    if (endpoint.health !== 'open' || !endpoint.circuitOpenUntil) return { wait: 0, probe: false };
    const wait = endpoint.circuitOpenUntil.getTime() - now;
    return wait > 0 ? { wait, probe: false } : { wait: 0, probe: true };
  }

  async succeeded(endpoint: Endpoint): Promise<void> {
    if (endpoint.health === 'healthy' && endpoint.consecutiveFailures === 0) return;
    await this.endpoints().update({ id: endpoint.id }, { health: 'healthy', consecutiveFailures: 0, failingSince: null, circuitOpenUntil: null });
    if (endpoint.health !== 'healthy') await this.changed(endpoint, 'healthy', null);
  }

  async failed(endpoint: Endpoint, now = Date.now()): Promise<void> {
    // Counted in SQL: several workers may record failures of one endpoint at once.
    await this.db
      .createQueryBuilder()
      .update(Endpoint)
      .set({ consecutiveFailures: () => 'consecutive_failures + 1', failingSince: () => `COALESCE(failing_since, ${Math.floor(now)})` })
      .where('id = :id', { id: endpoint.id })
      .execute();
    const current = await this.endpoints().findOneBy({ id: endpoint.id });
    if (!current || current.disabled) return;
    const failingFor = now - (current.failingSince?.getTime() ?? now);
    if (failingFor >= this.config.disableAfterMs) {
      await this.disable(current, `Failing continuously since ${current.failingSince!.toISOString()}`);
    } else if (current.consecutiveFailures >= this.config.circuitThreshold) {
      const reopening = current.health === 'open';
      await this.endpoints().update({ id: current.id }, { health: 'open', circuitOpenUntil: new Date(now + this.config.circuitCooldownMs) });
      if (!reopening) await this.changed(current, 'open', `${current.consecutiveFailures} failed attempts in a row`);
    } else if (current.health === 'healthy') {
      await this.endpoints().update({ id: current.id }, { health: 'failing' });
      await this.changed(current, 'failing', null);
    }
  }

  async disable(endpoint: Endpoint, reason: string): Promise<void> {
    await this.endpoints().update({ id: endpoint.id }, { disabled: true, disabledReason: reason, updatedAt: new Date() });
    this.logger.warn({ msg: 'endpoint disabled', appId: endpoint.appId, endpointId: endpoint.id, reason });
    await this.changed(endpoint, 'disabled', reason);
    await this.notifyOperators(endpoint, reason);
  }

  private async changed(endpoint: Endpoint, state: EndpointEventData['state'], reason: string | null): Promise<void> {
    await this.live.endpointChanged({ appId: endpoint.appId, endpointId: endpoint.id, state, reason, timestamp: new Date().toISOString() });
  }

  /** Svix's `endpoint.disabled` operational webhook, signed when HERALD_OPERATIONAL_WEBHOOK_SECRET is set. Best effort. */
  private async notifyOperators(endpoint: Endpoint, reason: string): Promise<void> {
    const url = this.config.operationalWebhookUrl;
    if (!url) return;
    const body = JSON.stringify({
      type: 'endpoint.disabled',
      timestamp: new Date().toISOString(),
      data: { appId: endpoint.appId, endpointId: endpoint.id, endpointUid: endpoint.uid, failSince: endpoint.failingSince?.toISOString() ?? null, reason },
    });
    const secret = this.config.operationalWebhookSecret;
    const signature = secret ? webhookHeaders([secret], `msg_op_${timeSortableId()}`, Math.floor(Date.now() / 1000), body) : {};
    const outcome = await this.client.post(url, { 'content-type': 'application/json', ...signature }, body);
    if (outcome.statusCode < 200 || outcome.statusCode >= 300) {
      this.logger.warn({ msg: 'operational webhook not accepted', url, statusCode: outcome.statusCode, response: outcome.body.slice(0, 200) });
    }
  }

  private endpoints() {
    return this.db.getRepository(Endpoint);
  }
}
