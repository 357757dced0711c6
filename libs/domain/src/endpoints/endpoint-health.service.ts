import { Injectable, Logger } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import type { EndpointEventData } from '@herald/contract';
import { LiveFeed } from '@herald/live';
import { Endpoint, EndpointRepository } from '@herald/persistence';
import { OperationalWebhooks } from '../operational-webhooks/operational-webhook.service';
import { EndpointGate } from './endpoint-gate.service';

/**
 * The failures that open a circuit must also span this long without a success between them. Concurrent attempts
 * finish out of order: an endpoint failing only some requests (each first attempt, say) still shows runs of
 * failures within a few ms, and opening on those would hold back an endpoint that is up. One that is down fails
 * on for longer than this anyway.
 */
const CIRCUIT_MIN_FAILING_MS = 1_000;

/** Whether an attempt may go to its endpoint now. */
export type Admission = { kind: 'go' } | { kind: 'probe' } | { kind: 'wait'; ms: number };

/**
 * The endpoint health actor: one state machine per endpoint, moved only by delivery outcomes.
 * healthy → failing (a failure) → open (HERALD_CIRCUIT_THRESHOLD failures in a row over at least a second: attempts wait out
 * HERALD_CIRCUIT_COOLDOWN, then one probe at a time) → healthy on any success; failing continuously for
 * HERALD_DISABLE_AFTER disables the endpoint, records why, streams it and tells the operators (`endpoint.disabled`).
 */
@Injectable()
export class EndpointHealth {
  private readonly logger = new Logger(EndpointHealth.name);

  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly live: LiveFeed,
    private readonly operators: OperationalWebhooks,
    private readonly gate: EndpointGate,
    private readonly config: HeraldConfig,
  ) {}

  admit(endpoint: Endpoint, now = Date.now()): Admission {
    if (endpoint.health !== 'open' || !endpoint.circuitOpenUntil) return { kind: 'go' };
    const wait = endpoint.circuitOpenUntil.getTime() - now;
    return wait > 0 ? { kind: 'wait', ms: wait } : { kind: 'probe' };
  }

  async succeeded(endpoint: Endpoint): Promise<void> {
    if (endpoint.health === 'healthy' && endpoint.consecutiveFailures === 0) return;
    await this.endpoints.setHealth(endpoint.id, { health: 'healthy', consecutiveFailures: 0, failingSince: null, circuitOpenUntil: null });
    // The circuit closed: as many parked attempts as the endpoint takes at once; each one's release wakes the next.
    if (endpoint.health === 'open') await this.gate.wake(endpoint.id, this.config.endpointConcurrency);
    if (endpoint.health !== 'healthy') await this.changed(endpoint, 'healthy', null);
  }

  async failed(endpoint: Endpoint, now = Date.now()): Promise<void> {
    const current = await this.endpoints.countFailure(endpoint.id, now);
    if (!current || current.disabled) return;
    const failingFor = now - (current.failingSince?.getTime() ?? now);
    if (failingFor >= this.config.disableAfterMs) {
      await this.disable(current, `Failing continuously since ${current.failingSince!.toISOString()}`);
    } else if (current.consecutiveFailures >= this.config.circuitThreshold && failingFor >= CIRCUIT_MIN_FAILING_MS) {
      const reopening = current.health === 'open';
      await this.endpoints.setHealth(current.id, { health: 'open', circuitOpenUntil: new Date(now + this.config.circuitCooldownMs) });
      await this.gate.probeAfter(current.id, this.config.circuitCooldownMs);
      if (!reopening) await this.changed(current, 'open', `${current.consecutiveFailures} failed attempts in a row`);
    } else if (current.health === 'healthy') {
      await this.endpoints.setHealth(current.id, { health: 'failing' });
      await this.changed(current, 'failing', null);
    }
  }

  /** Disables the endpoint, unless a concurrent attempt did first: what follows a disabling happens once. */
  async disable(endpoint: Endpoint, reason: string): Promise<void> {
    const now = new Date();
    if (!(await this.endpoints.disable(endpoint.id, reason, now))) return;
    await this.gate.wake(endpoint.id); // its parked attempts end now, not when their park runs out
    this.logger.warn({ msg: 'endpoint disabled', appId: endpoint.appId, endpointId: endpoint.id, reason });
    await this.changed(endpoint, 'disabled', reason);
    await this.operators.endpointDisabled(endpoint, 'automatic', reason, endpoint.failingSince ?? now);
  }

  private async changed(endpoint: Endpoint, state: EndpointEventData['state'], reason: string | null): Promise<void> {
    await this.live.endpointChanged({ appId: endpoint.appId, endpointId: endpoint.id, state, reason, timestamp: new Date().toISOString() });
  }
}
