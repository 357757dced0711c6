import { Injectable } from '@nestjs/common';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HeraldConfig } from '@herald/config';

/** What a signed token lets its bearer do: read streams (the browser's EventSource), or be an operator session (UI, Bull Board). */
export type TokenScope = 'stream' | 'session';

interface Claims {
  scope: TokenScope;
  /** Expiry, epoch ms. */
  exp: number;
  /** A stream token limited to one application, when set. */
  app?: string;
}

/**
 * Short-lived tokens signed with a key derived from the API token: stateless, so every admin instance
 * accepts what another issued, and rotating the API token revokes them all.
 */
@Injectable()
export class SignedTokens {
  private readonly key: Buffer;

  constructor(private readonly config: HeraldConfig) {
    this.key = createHash('sha256').update(`herald-signed-tokens:${config.apiToken}`).digest();
  }

  issue(scope: TokenScope, ttlMs: number, app?: string): { token: string; expiresAt: Date } {
    const claims: Claims = { scope, exp: Date.now() + ttlMs, ...(app ? { app } : {}) };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `hst_${body}.${this.sign(body)}`, expiresAt: new Date(claims.exp) };
  }

  /** The claims of a valid, unexpired token of that scope; undefined otherwise. */
  verify(token: string | undefined, scope: TokenScope): Claims | undefined {
    const match = /^hst_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token ?? '');
    if (!match) return undefined;
    const [, body, signature] = match;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
      return claims.scope === scope && claims.exp > Date.now() ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
