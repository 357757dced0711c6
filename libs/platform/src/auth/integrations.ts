import { HttpStatus, Injectable } from '@nestjs/common';
import { Integration, IntegrationRepository, Page, PageRequest } from '@herald/persistence';
import { ConflictError, found, timeSortableId } from '@herald/domain';
import { ApiError } from '../api-errors';
import { AccessTokens } from './access-tokens';

export interface IntegrationInput {
  name: string;
  featureFlags?: string[] | null;
}

/**
 * Svix's integrations: named credentials for one application. Each has one live key, an access token
 * limited to that application (what an API key with `appId` reaches); only its hash is kept, so the key
 * is shown when it is made (create, rotate) and never again. Rotating or deleting revokes the old key at
 * once, for every instance.
 */
@Injectable()
export class Integrations {
  constructor(
    private readonly integrations: IntegrationRepository,
    private readonly tokens: AccessTokens,
  ) {}

  list(appId: string, page: PageRequest): Promise<Page<Integration>> {
    return this.integrations.list(appId, page);
  }

  async get(appId: string, id: string): Promise<Integration> {
    return found(await this.integrations.find(appId, id), 'Integration');
  }

  async create(appId: string, input: IntegrationInput): Promise<{ integration: Integration; key: string }> {
    const featureFlags = input.featureFlags ?? null;
    const { secret, token } = this.tokens.newIntegrationKey(appId, input.name, featureFlags);
    const now = new Date();
    const integration: Integration = {
      id: `integ_${timeSortableId()}`,
      appId,
      name: input.name,
      featureFlags,
      keyId: token.id,
      createdAt: now,
      updatedAt: now,
    };
    await this.integrations.insertWithKey(integration, token);
    return { integration, key: secret };
  }

  /** Svix's PUT: name and feature flags replaced, the key's flags with them. */
  async update(appId: string, id: string, input: IntegrationInput): Promise<Integration> {
    const updated = { ...(await this.get(appId, id)), name: input.name, featureFlags: input.featureFlags ?? null, updatedAt: new Date() };
    await this.integrations.update(updated);
    return updated;
  }

  async delete(appId: string, id: string): Promise<void> {
    await this.integrations.delete(await this.get(appId, id));
  }

  /** A new key; the previous one is refused from now on. */
  async rotateKey(appId: string, id: string): Promise<string> {
    const integration = await this.get(appId, id);
    const { secret, token } = this.tokens.newIntegrationKey(appId, integration.name, integration.featureFlags);
    if (!(await this.integrations.replaceKey(integration, token)))
      throw new ConflictError('The integration changed meanwhile (deleted, or its key rotated): retry');
    return secret;
  }

  /** Svix 1.x's getKey: a 409 for an integration that exists, as Herald keeps only a hash of its key. */
  async keyNotKept(appId: string, id: string): Promise<never> {
    await this.get(appId, id);
    throw new ApiError(
      HttpStatus.CONFLICT,
      'key_not_retrievable',
      "Herald keeps only a hash of an integration's key: it is shown once, by create (`key`) and by key/rotate. Rotate it to get a new one",
    );
  }
}
