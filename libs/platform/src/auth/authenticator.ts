import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { HeraldConfig } from '@herald/config';
import { ApiToken, digest } from './api-token';
import { OperatorSessions } from './operator-sessions';
import { StreamTokens } from './stream-tokens';

/** The HttpOnly cookie an operator gets at sign-in (POST /api/v1/auth/session). */
export const SESSION_COOKIE = 'herald_session';
/**
 * API calls made with the session cookie must also carry this header. A cross-site page cannot add a
 * custom header without a CORS preflight, which Herald never grants: together with SameSite=Strict,
 * that keeps other sites from riding on an operator's session.
 */
export const UI_HEADER = 'x-herald-ui';

/**
 * Who sent a request. `key` names the credential for per-credential limits (rate, streams) without
 * holding it: the API token, one operator session, or one stream token.
 */
export type Caller =
  { kind: 'api-token'; key: string } | { kind: 'session'; key: string; sessionId: string; csrf: string } | { kind: 'stream'; key: string; appId?: string };

/** A caller, or why there is none: no credential at all, or one that is wrong or expired. */
export type Identity = Caller | { kind: 'anonymous' } | { kind: 'invalid' };

/**
 * The one place credentials are read: `Authorization: Bearer` (the API token or a stream token), a stream
 * token in `?token=` (EventSource cannot send headers), or the session cookie. Each request is identified
 * once, whoever asks (rate limiting, idempotency, the guard, Bull Board, streams). Whether a caller may do
 * what it asks is for the route to say.
 */
@Injectable()
export class Authenticator {
  private readonly apiToken: ApiToken;
  private readonly identities = new WeakMap<FastifyRequest, Promise<Identity>>();

  constructor(
    config: HeraldConfig,
    private readonly streamTokens: StreamTokens,
    private readonly sessions: OperatorSessions,
  ) {
    this.apiToken = new ApiToken(config.apiToken);
  }

  identify(request: FastifyRequest): Promise<Identity> {
    let identity = this.identities.get(request);
    if (!identity) this.identities.set(request, (identity = this.read(request)));
    return identity;
  }

  /** The caller when it may use the management API: the API token, or the admin UI's session with its header. */
  async apiCaller(request: FastifyRequest): Promise<Caller | undefined> {
    const identity = await this.identify(request);
    if (identity.kind === 'api-token') return identity;
    if (identity.kind === 'session' && request.headers[UI_HEADER] !== undefined) return identity;
    return undefined;
  }

  private async read(request: FastifyRequest): Promise<Identity> {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer +(\S+)\s*$/i.exec(authorization)?.[1];
      return bearer ? this.fromToken(bearer) : { kind: 'invalid' };
    }
    const queryToken = (request.query as { token?: unknown } | undefined)?.token;
    if (typeof queryToken === 'string') return this.fromToken(queryToken);
    const sessionId = request.cookies?.[SESSION_COOKIE];
    const csrf = await this.sessions.csrfOf(sessionId);
    return csrf ? { kind: 'session', key: `session:${fingerprint(sessionId!)}`, sessionId: sessionId!, csrf } : { kind: 'anonymous' };
  }

  private fromToken(token: string): Identity {
    if (this.apiToken.matches(token)) return { kind: 'api-token', key: 'api-token' };
    const claims = this.streamTokens.verify(token);
    return claims ? { kind: 'stream', key: `stream:${fingerprint(token)}`, appId: claims.app } : { kind: 'invalid' };
  }
}

const fingerprint = (secret: string) => digest(secret).subarray(0, 12).toString('base64url');
