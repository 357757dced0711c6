import { Injectable } from '@nestjs/common';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HeraldConfig } from '@herald/config';

/**
 * What a stream token carries: its expiry (epoch ms), the one application it is limited to, if any, and the
 * API key or portal token it was minted with, if one (it is refused once that one is revoked).
 */
export interface StreamTokenClaims {
  exp: number;
  app?: string;
  sub?: string;
}

/**
 * Short-lived, read-only tokens for the browser's EventSource (`?token=`), signed with a key derived from
 * the API token: stateless, so every admin instance accepts what another issued, and rotating the API
 * token revokes them all.
 */
@Injectable()
export class StreamTokens {
  private readonly key: Buffer;

  constructor(config: HeraldConfig) {
    this.key = createHash('sha256').update(`herald-stream-tokens:${config.apiToken}`).digest();
  }

  issue(ttlMs: number, app?: string, parent?: { id: string; expiresAt: Date | null }): { token: string; expiresAt: Date } {
    // Never outlives the credential it was minted with.
    const exp = Math.min(Date.now() + ttlMs, parent?.expiresAt?.getTime() ?? Infinity);
    const claims: StreamTokenClaims = { exp, ...(app ? { app } : {}), ...(parent ? { sub: parent.id } : {}) };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `hst_${body}.${this.sign(body)}`, expiresAt: new Date(claims.exp) };
  }

  /** The claims of a valid, unexpired token; undefined otherwise. */
  verify(token: string | undefined): StreamTokenClaims | undefined {
    const match = /^hst_([A-Za-z0-9_-]{1,512})\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
    if (!match) return undefined;
    const [, body, signature] = match;
    if (!timingSafeEqual(Buffer.from(signature), Buffer.from(this.sign(body)))) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StreamTokenClaims;
      return typeof claims.exp === 'number' && claims.exp > Date.now() ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
