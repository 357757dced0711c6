import { Injectable } from '@nestjs/common';
import { LiveFeed } from '@herald/live';
import { DeliveryRepository, DeliveryStatus, Endpoint, EndpointRepository, Page, PageRequest } from '@herald/persistence';
import { generateSecret, rotatedSecrets } from '@herald/signing';
import { definedOnly } from '../changes';
import { conflictOnDuplicate, found } from '../errors';
import { newId } from '../ids';
import { OperationalWebhooks } from '../operational-webhooks/operational-webhook.service';
import { EndpointGate } from './endpoint-gate.service';

/** How long a rotated-out secret keeps signing, unless the rotation says otherwise. */
const ROTATION_GRACE_MS = 24 * 3_600_000;
/** Header names whose values are never shown back (Svix's `sensitive`). */
const SENSITIVE_HEADERS = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$/i;

/** An endpoint's settings, as PUT replaces them (secret and headers have routes of their own). */
export interface EndpointSettings {
  url: string;
  description?: string;
  uid?: string | null;
  version?: number | null;
  disabled?: boolean;
  filterTypes?: string[] | null;
  channels?: string[] | null;
  throttleRate?: number | null;
  metadata?: Record<string, string>;
}

export type EndpointInput = EndpointSettings & { secret?: string | null; headers?: Record<string, string> | null };

/** A PATCH of headers: a null value deletes that header, as do the names in `deleteHeaders`. */
export interface HeadersPatch {
  headers: Record<string, string | null>;
  deleteHeaders?: string[];
}

export interface SecretRotation {
  key?: string | null;
  gracePeriodSeconds?: number | null;
}

export interface EndpointStats {
  success: number;
  fail: number;
  pending: number;
  sending: number;
  canceled: number;
}

@Injectable()
export class EndpointService {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly live: LiveFeed,
    private readonly gate: EndpointGate,
    private readonly operators: OperationalWebhooks,
  ) {}

  list(appId: string, page: PageRequest): Promise<Page<Endpoint>> {
    return this.endpoints.list(appId, page);
  }

  async create(appId: string, input: EndpointInput): Promise<Endpoint> {
    const now = new Date();
    const endpoint: Endpoint = {
      id: newId.endpoint(),
      appId,
      uid: input.uid ?? null,
      url: input.url,
      description: input.description ?? '',
      version: input.version ?? 1,
      disabled: input.disabled ?? false,
      disabledReason: null,
      health: 'healthy',
      consecutiveFailures: 0,
      failingSince: null,
      circuitOpenUntil: null,
      throttleRate: input.throttleRate ?? null,
      filterTypes: input.filterTypes ?? null,
      channels: input.channels ?? null,
      headers: input.headers ?? {},
      metadata: input.metadata ?? {},
      secrets: [{ key: input.secret ?? generateSecret(), expiresAt: null }],
      createdAt: now,
      updatedAt: now,
    };
    await conflictOnDuplicate(() => this.endpoints.insert(endpoint), uidTaken(endpoint.uid));
    await this.operators.endpointChanged('endpoint.created', endpoint);
    return endpoint;
  }

  /** The endpoints of one application or one endpoint (all of them without a scope), oldest first, at most `limit`: what a live stream starts from. */
  inScope(scope: { appId?: string; endpointId?: string }, limit: number): Promise<Endpoint[]> {
    return this.endpoints.inScope(scope, limit);
  }

  /** Finds an endpoint of the application by its id or its uid. */
  async get(appId: string, idOrUid: string): Promise<Endpoint> {
    return found(await this.endpoints.findByIdOrUid(appId, idOrUid), 'Endpoint');
  }

  /** PUT: replaces the endpoint's settings (secret and headers are kept), or creates it with the path id as uid. */
  async update(appId: string, idOrUid: string, input: EndpointSettings): Promise<{ endpoint: Endpoint; created: boolean }> {
    const existing = await this.endpoints.findByIdOrUid(appId, idOrUid);
    if (!existing) return { endpoint: await this.create(appId, { ...input, uid: input.uid ?? idOrUid }), created: true };
    const changes: Partial<Endpoint> = {
      url: input.url,
      // A PUT without a uid keeps the one the endpoint has (Svix's upsert); a null clears it.
      uid: input.uid === undefined ? existing.uid : input.uid,
      description: input.description ?? '',
      version: input.version ?? existing.version,
      disabled: input.disabled ?? false,
      throttleRate: input.throttleRate ?? null,
      filterTypes: input.filterTypes ?? null,
      channels: input.channels ?? null,
      metadata: input.metadata ?? {},
    };
    return { endpoint: await this.apply(existing, withReenabled(existing, changes), 'endpoint.updated'), created: false };
  }

  async patch(appId: string, idOrUid: string, input: Partial<EndpointSettings> & { secret?: string | null }): Promise<Endpoint> {
    const existing = await this.get(appId, idOrUid);
    const { secret, ...fields } = input;
    const changes = definedOnly(fields) as Partial<Endpoint>;
    if (changes.version === null) delete changes.version; // a null version keeps the stored one, as in a PUT: the column has no null
    if (secret) changes.secrets = [{ key: secret, expiresAt: null }];
    return this.apply(existing, withReenabled(existing, changes), 'endpoint.updated');
  }

  /** Deletes the endpoint and its live counters; its pending deliveries end without being sent, its history stays. */
  async delete(appId: string, idOrUid: string): Promise<void> {
    const endpoint = await this.get(appId, idOrUid);
    await this.endpoints.delete(endpoint.id);
    await this.live.forget([{ appId: endpoint.appId, endpointId: endpoint.id }]);
    await this.gate.wake(endpoint.id); // its parked attempts end now, not when their park runs out
    await this.operators.endpointChanged('endpoint.deleted', endpoint);
  }

  /**
   * Starts signing with a new secret (the given one, or a generated one). The old secret keeps signing
   * beside it for the grace period (24 h by default), so consumers can switch without dropping webhooks.
   */
  async rotateSecret(appId: string, idOrUid: string, rotation: SecretRotation): Promise<void> {
    const endpoint = await this.get(appId, idOrUid);
    const graceEndsAt = Date.now() + (rotation.gracePeriodSeconds != null ? rotation.gracePeriodSeconds * 1_000 : ROTATION_GRACE_MS);
    await this.apply(endpoint, { secrets: rotatedSecrets(endpoint.secrets, rotation.key ?? generateSecret(), graceEndsAt) });
  }

  async headers(appId: string, idOrUid: string): Promise<{ headers: Record<string, string>; sensitive: string[] }> {
    const { headers } = await this.get(appId, idOrUid);
    const names = Object.keys(headers);
    return {
      headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !SENSITIVE_HEADERS.test(name))),
      sensitive: names.filter((name) => SENSITIVE_HEADERS.test(name)),
    };
  }

  async replaceHeaders(appId: string, idOrUid: string, headers: Record<string, string>): Promise<void> {
    await this.apply(await this.get(appId, idOrUid), { headers });
  }

  async patchHeaders(appId: string, idOrUid: string, patch: HeadersPatch): Promise<void> {
    const endpoint = await this.get(appId, idOrUid);
    const headers = { ...endpoint.headers };
    for (const [name, value] of Object.entries(patch.headers)) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    for (const name of patch.deleteHeaders ?? []) delete headers[name];
    await this.apply(endpoint, { headers });
  }

  /** Delivery counts by outcome, for deliveries created in the window. */
  async stats(endpoint: Endpoint, since?: Date, until?: Date): Promise<EndpointStats> {
    const counts = await this.deliveries.countsByStatus(endpoint.id, since, until);
    return {
      success: counts.get(DeliveryStatus.Succeeded) ?? 0,
      fail: counts.get(DeliveryStatus.Failed) ?? 0,
      pending: counts.get(DeliveryStatus.Pending) ?? 0,
      sending: 0,
      canceled: 0,
    };
  }

  /** Saves the changes; `endpoint.updated` goes to the operators when `announce` says so (PUT and PATCH, not secrets or headers). */
  private async apply(endpoint: Endpoint, changes: Partial<Endpoint>, announce?: 'endpoint.updated'): Promise<Endpoint> {
    const updated = { ...endpoint, ...changes, updatedAt: new Date() };
    // Disabling or enabling happens once: if a concurrent change (or the health actor) got there first, save the rest.
    const toggling = updated.disabled !== endpoint.disabled;
    const toggled = toggling && (await conflictOnDuplicate(() => this.endpoints.update(updated, endpoint.disabled), uidTaken(updated.uid)));
    if (!toggled) await conflictOnDuplicate(() => this.endpoints.update(updated), uidTaken(updated.uid));
    if (announce) await this.operators.endpointChanged(announce, updated);
    if (toggled) {
      if (updated.disabled) await this.gate.wake(updated.id); // its parked attempts end now
      const state = updated.disabled ? 'disabled' : 'enabled';
      const reason = updated.disabled ? OPERATOR_DISABLED : null;
      await this.live.endpointChanged({ appId: updated.appId, endpointId: updated.id, state, reason, timestamp: updated.updatedAt.toISOString() });
      if (updated.disabled) await this.operators.endpointDisabled(updated, 'manual', OPERATOR_DISABLED, endpoint.failingSince);
      else await this.operators.endpointChanged('endpoint.enabled', updated);
    }
    return updated;
  }
}

const OPERATOR_DISABLED = 'Disabled by an operator';

const uidTaken = (uid: string | null) => `An endpoint with uid "${uid}" already exists in this application`;

/** Re-enabling an endpoint clears why it was disabled and gives it a clean bill of health. */
function withReenabled(endpoint: Endpoint, changes: Partial<Endpoint>): Partial<Endpoint> {
  if (changes.disabled !== false || !endpoint.disabled) return changes;
  return { ...changes, disabledReason: null, health: 'healthy', consecutiveFailures: 0, failingSince: null, circuitOpenUntil: null };
}
