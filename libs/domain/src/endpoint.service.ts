import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { EndpointIn } from '@herald/api';
import { Endpoint, EndpointSecret } from '@herald/persistence';
import { generateSecret } from '@herald/signing';
import { ConflictError, isUniqueViolation, NotFoundError } from './errors';
import { newId } from './ids';

@Injectable()
export class EndpointService {
  constructor(@InjectRepository(Endpoint) private readonly endpoints: Repository<Endpoint>) {}

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
    try {
      await this.endpoints.insert(endpoint);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`An endpoint with uid "${input.uid}" already exists in this application`);
      throw error;
    }
    return endpoint;
  }

  /** Finds an endpoint of the application by its id or its uid. */
  async get(appId: string, idOrUid: string): Promise<Endpoint> {
    const endpoint = await this.endpoints.findOne({ where: [{ appId, id: idOrUid }, { appId, uid: idOrUid }] });
    if (!endpoint) throw new NotFoundError('Endpoint');
    return endpoint;
  }

  list(appId: string): Promise<Endpoint[]> {
    return this.endpoints.find({ where: { appId }, order: { id: 'ASC' } });
  }
}

/** The secret shown to users: the newest one. */
export function currentSecret(endpoint: Endpoint): string {
  return endpoint.secrets[0].key;
}

/** Secrets that sign a delivery now: the current one and any rotated-out one still inside its grace period. */
export function signingSecrets(secrets: readonly EndpointSecret[], now = Date.now()): string[] {
  return secrets.filter((secret) => secret.expiresAt === null || secret.expiresAt > now).map((secret) => secret.key);
}
