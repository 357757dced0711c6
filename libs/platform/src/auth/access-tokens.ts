import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AccessToken, AccessTokenKind, AccessTokenRepository, Page, PageRequest } from '@herald/persistence';
import type { Capability } from '@herald/api';
import { NotFoundError, timeSortableId } from '@herald/domain';

/** The secret's prefix says what kind of token it is, so only those are looked up. */
const PREFIX: Record<AccessTokenKind, string> = { portal: 'hpt_', 'api-key': 'hak_', integration: 'hik_' };
const ID_PREFIX: Record<AccessTokenKind, string> = { portal: 'ptok_', 'api-key': 'key_', integration: 'ikey_' };
const SECRET = /^(hpt|hak|hik)_[A-Za-z0-9_-]{43}$/;

export interface PortalTokenInput {
  expiresAt: Date;
  readOnly: boolean;
  capabilities: Capability[] | null;
  featureFlags: string[] | null;
  sessionId: string | null;
}

export interface ApiKeyInput {
  name: string;
  appId: string | null;
  readOnly: boolean;
}

/**
 * API keys and consumer portal tokens: issued once (the secret is returned and never kept; the database holds
 * its SHA-256), looked up on every request, revoked or expired in the database, so every instance agrees at once.
 */
@Injectable()
export class AccessTokens {
  constructor(private readonly tokens: AccessTokenRepository) {}

  issuePortalToken(appId: string, input: PortalTokenInput): Promise<{ secret: string; token: AccessToken }> {
    return this.issue('portal', { ...input, appId, name: null });
  }

  issueApiKey(input: ApiKeyInput): Promise<{ secret: string; token: AccessToken }> {
    return this.issue('api-key', { ...input, capabilities: null, featureFlags: null, sessionId: null, expiresAt: null });
  }

  /**
   * A new integration key for one application, not stored yet: the integration's repository stores it
   * with the integration (or in place of its previous key), in one transaction.
   */
  newIntegrationKey(appId: string, name: string, featureFlags: string[] | null): { secret: string; token: AccessToken } {
    return this.mint('integration', { name, appId, readOnly: false, capabilities: null, featureFlags, sessionId: null, expiresAt: null });
  }

  /** The live token a secret names; null for anything else (malformed, unknown, revoked, expired). */
  async resolve(secret: string): Promise<AccessToken | null> {
    if (!SECRET.test(secret)) return null;
    return this.tokens.findLiveByHash(hashOf(secret));
  }

  /** Whether a token (by id) is still live: streams opened through a portal token check it. */
  async isLive(id: string): Promise<boolean> {
    return (await this.tokens.findLive(id)) !== null;
  }

  /** Revokes a token at once, for every instance. */
  async revoke(kind: AccessTokenKind, id: string): Promise<void> {
    if (!(await this.tokens.revoke(kind, id))) throw new NotFoundError(kind === 'api-key' ? 'API key' : 'Token');
  }

  /** Svix's expire-all: the application's portal tokens (of some sessions) expire `afterMs` from now. */
  expireAll(appId: string, afterMs: number, sessionIds?: string[]): Promise<number> {
    return this.tokens.expireForApp(appId, new Date(Date.now() + afterMs), sessionIds);
  }

  listApiKeys(page: PageRequest): Promise<Page<AccessToken>> {
    return this.tokens.list('api-key', page);
  }

  private async issue(kind: AccessTokenKind, fields: TokenFields) {
    const minted = this.mint(kind, fields);
    await this.tokens.insert(minted.token);
    return minted;
  }

  private mint(kind: AccessTokenKind, fields: TokenFields): { secret: string; token: AccessToken } {
    const secret = PREFIX[kind] + randomBytes(32).toString('base64url');
    const token: AccessToken = { id: ID_PREFIX[kind] + timeSortableId(), kind, hash: hashOf(secret), createdAt: new Date(), revokedAt: null, ...fields };
    return { secret, token };
  }
}

type TokenFields = Omit<AccessToken, 'id' | 'kind' | 'hash' | 'createdAt' | 'revokedAt'>;

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');
