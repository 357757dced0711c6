import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EndpointHeadersPatchIn, EndpointIn, EndpointPatch, EndpointSecretRotateIn, EndpointUpdate } from '@herald/api';
import { LiveFeed } from '@herald/live';
import { Delivery, DeliveryStatus, Endpoint, EndpointSecret } from '@herald/persistence';
import { generateSecret } from '@herald/signing';
import { conflictOnDuplicate, NotFoundError } from './errors';
import { newId } from './ids';
import { Page, PageRequest, paginate } from './pagination';

/** How long a rotated-out secret keeps signing, unless the rotation says otherwise. */
const ROTATION_GRACE_MS = 24 * 3_600_000;
/** Header names whose values are never shown back (Svix's `sensitive`). */
const SENSITIVE_HEADERS = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$/i;

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
    @InjectDataSource() private readonly db: DataSource,
    private readonly live: LiveFeed,
  ) {}

  private get endpoints() {
    return this.db.getRepository(Endpoint);
  }

  list(appId: string, page: PageRequest): Promise<Page<Endpoint>> {
    const query = this.endpoints.createQueryBuilder('endpoint').where('endpoint.app_id = :appId', { appId });
    return paginate(query, 'endpoint.id', (endpoint) => endpoint.id, page);
  }

  async create(appId: string, input: EndpointIn): Promise<Endpoint> {
    const now = new Date();
    const endpoint = this.endpoints.create({
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
      rateLimit: input.rateLimit ?? null,
      throttleRate: input.throttleRate ?? null,
      filterTypes: input.filterTypes ?? null,
      channels: input.channels ?? null,
      headers: input.headers ?? {},
      metadata: input.metadata ?? {},
      secrets: [{ key: input.secret ?? generateSecret(), expiresAt: null }],
      createdAt: now,
      updatedAt: now,
    });
    await this.save(() => this.endpoints.insert(endpoint), endpoint.uid);
    return endpoint;
  }

  /** Finds an endpoint of the application by its id or its uid. */
  async get(appId: string, idOrUid: string): Promise<Endpoint> {
    const endpoint = await this.find(appId, idOrUid);
    if (!endpoint) throw new NotFoundError('Endpoint');
    return endpoint;
  }

  /** PUT: replaces the endpoint's settings (secret and headers are kept), or creates it with the path id as uid. */
  async update(appId: string, idOrUid: string, input: EndpointUpdate): Promise<{ endpoint: Endpoint; created: boolean }> {
    const existing = await this.find(appId, idOrUid);
    if (!existing) return { endpoint: await this.create(appId, { ...input, uid: input.uid ?? idOrUid }), created: true };
    const changes: Partial<Endpoint> = {
      url: input.url,
      uid: input.uid ?? null,
      description: input.description ?? '',
      version: input.version ?? existing.version,
      disabled: input.disabled ?? false,
      rateLimit: input.rateLimit ?? null,
      throttleRate: input.throttleRate ?? null,
      filterTypes: input.filterTypes ?? null,
      channels: input.channels ?? null,
      metadata: input.metadata ?? {},
    };
    return { endpoint: await this.apply(existing, withReenabled(existing, changes)), created: false };
  }

  async patch(appId: string, idOrUid: string, input: EndpointPatch): Promise<Endpoint> {
    const existing = await this.get(appId, idOrUid);
    const { secret, ...fields } = input;
    const changes: Partial<Endpoint> = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    if (secret) changes.secrets = [{ key: secret, expiresAt: null }];
    return this.apply(existing, withReenabled(existing, changes));
  }

  /** Deletes the endpoint; its pending deliveries end without being sent, its history stays. */
  async delete(appId: string, idOrUid: string): Promise<void> {
    const { id } = await this.get(appId, idOrUid);
    await this.endpoints.delete({ id });
  }

  /**
   * Starts signing with a new secret (the given one, or a generated one). The old secret keeps signing
   * beside it for the grace period (24 h by default), so consumers can switch without dropping webhooks.
   */
  async rotateSecret(appId: string, idOrUid: string, input: EndpointSecretRotateIn): Promise<void> {
    const endpoint = await this.get(appId, idOrUid);
    const now = Date.now();
    const expiresAt = now + (input.gracePeriodSeconds != null ? input.gracePeriodSeconds * 1_000 : ROTATION_GRACE_MS);
    const kept = endpoint.secrets
      .filter((secret) => secret.expiresAt === null || secret.expiresAt > now)
      .map((secret) => ({ key: secret.key, expiresAt: Math.min(secret.expiresAt ?? expiresAt, expiresAt) }));
    await this.apply(endpoint, { secrets: [{ key: input.key ?? generateSecret(), expiresAt: null }, ...kept] });
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

  async patchHeaders(appId: string, idOrUid: string, input: EndpointHeadersPatchIn): Promise<void> {
    const endpoint = await this.get(appId, idOrUid);
    const headers = { ...endpoint.headers };
    for (const [name, value] of Object.entries(input.headers)) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    for (const name of input.deleteHeaders ?? []) delete headers[name];
    await this.apply(endpoint, { headers });
  }

  /** Delivery counts by outcome, for deliveries created in the window. */
  async stats(appId: string, idOrUid: string, since?: Date, until?: Date): Promise<EndpointStats> {
    const endpoint = await this.get(appId, idOrUid);
    const query = this.db
      .getRepository(Delivery)
      .createQueryBuilder('delivery')
      .select('delivery.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where('delivery.endpoint_id = :id', { id: endpoint.id })
      .groupBy('delivery.status');
    if (since) query.andWhere('delivery.created_at >= :since', { since: since.getTime() });
    if (until) query.andWhere('delivery.created_at < :until', { until: until.getTime() });
    const counts = new Map((await query.getRawMany<{ status: DeliveryStatus; count: string }>()).map((row) => [row.status, Number(row.count)]));
    return {
      success: counts.get(DeliveryStatus.Succeeded) ?? 0,
      fail: counts.get(DeliveryStatus.Failed) ?? 0,
      pending: counts.get(DeliveryStatus.Pending) ?? 0,
      sending: 0,
      canceled: 0,
    };
  }

  private find(appId: string, idOrUid: string): Promise<Endpoint | null> {
    return this.endpoints.findOne({
      where: [
        { appId, id: idOrUid },
        { appId, uid: idOrUid },
      ],
    });
  }

  private async apply(endpoint: Endpoint, changes: Partial<Endpoint>): Promise<Endpoint> {
    const updated = { ...endpoint, ...changes, updatedAt: new Date() };
    await this.save(() => this.endpoints.update({ id: endpoint.id }, updated), updated.uid);
    if (updated.disabled !== endpoint.disabled) {
      const state = updated.disabled ? 'disabled' : 'enabled';
      await this.live.endpointChanged({
        appId: updated.appId,
        endpointId: updated.id,
        state,
        reason: updated.disabled ? 'Disabled by an operator' : null,
        timestamp: updated.updatedAt.toISOString(),
      });
    }
    return updated;
  }

  private async save(write: () => Promise<unknown>, uid: string | null | undefined): Promise<void> {
    await conflictOnDuplicate(write, `An endpoint with uid "${uid}" already exists in this application`);
  }
}

/** Re-enabling an endpoint clears why it was disabled and gives it a clean bill of health. */
function withReenabled(endpoint: Endpoint, changes: Partial<Endpoint>): Partial<Endpoint> {
  if (changes.disabled !== false || !endpoint.disabled) return changes;
  return { ...changes, disabledReason: null, health: 'healthy', consecutiveFailures: 0, failingSince: null, circuitOpenUntil: null };
}

/** The secret shown to users: the newest one. */
export function currentSecret(endpoint: Endpoint): string {
  return endpoint.secrets[0].key;
}

/** Secrets that sign a delivery now: the current one and any rotated-out one still inside its grace period. */
export function signingSecrets(secrets: readonly EndpointSecret[], now = Date.now()): string[] {
  return secrets.filter((secret) => secret.expiresAt === null || secret.expiresAt > now).map((secret) => secret.key);
}
