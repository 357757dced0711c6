import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { HeraldConfig } from '@herald/config';
import type { AccessToken, AccessTokenKind } from '@herald/persistence';
import type { Capability } from '@herald/api';
import { AccessTokens } from './access-tokens';
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
/** The consumer portal's HttpOnly cookie: its portal token, set by POST /api/v1/auth/portal-session. */
export const PORTAL_COOKIE = 'herald_portal';
/** What UI_HEADER is to the admin UI, this is to the portal: the cookie alone opens nothing. */
export const PORTAL_HEADER = 'x-herald-portal';

/** A credential from the access_tokens table: an API key, an integration's key, or a consumer portal token (which may arrive as the portal's cookie). */
export interface TokenCaller {
  kind: AccessTokenKind;
  key: string;
  token: AccessToken;
  viaCookie: boolean;
}

/**
 * Who sent a request. `key` names the credential for per-credential limits (rate, streams) without
 * holding it: the API token, one operator session, one stream token, one API key or portal token.
 */
export type Caller =
  | { kind: 'api-token'; key: string }
  | { kind: 'session'; key: string; sessionId: string; csrf: string }
  | { kind: 'stream'; key: string; appId?: string }
  | TokenCaller;

/** A caller, or why there is none: no credential at all, or one that is wrong, expired or revoked. */
export type Identity = Caller | { kind: 'anonymous' } | { kind: 'invalid' };

/**
 * What a caller may reach: `root` callers (the API token, an operator session) everything, including API
 * keys; others every application or one (`appId`), perhaps only reading, perhaps only some capabilities.
 */
export interface Access {
  root: boolean;
  appId?: string;
  readOnly: boolean;
  capabilities?: readonly Capability[];
}

export function accessOf(caller: Caller): Access {
  if (caller.kind === 'api-token' || caller.kind === 'session') return { root: true, readOnly: false };
  if (caller.kind === 'stream') return { root: false, appId: caller.appId, readOnly: true };
  const { appId, readOnly, capabilities } = caller.token;
  return { root: false, appId: appId ?? undefined, readOnly, capabilities: (capabilities as Capability[] | null) ?? undefined };
}

/**
 * The one place credentials are read: `Authorization: Bearer` (the API token, an API key, a portal token or
 * a stream token), a stream token in `?token=` (EventSource cannot send headers), the operator session
 * cookie, or the portal's cookie. Each request is identified once, whoever asks (rate limiting,
 * idempotency, the guard, Bull Board, streams). What a caller may reach is the guard's to say (accessOf).
 */
@Injectable()
export class Authenticator {
  private readonly apiToken: ApiToken;
  private readonly identities = new WeakMap<FastifyRequest, Promise<Identity>>();

  constructor(
    config: HeraldConfig,
    private readonly streamTokens: StreamTokens,
    private readonly sessions: OperatorSessions,
    private readonly accessTokens: AccessTokens,
  ) {
    this.apiToken = new ApiToken(config.apiToken);
  }

  identify(request: FastifyRequest): Promise<Identity> {
    let identity = this.identities.get(request);
    if (!identity) this.identities.set(request, (identity = this.read(request)));
    return identity;
  }

  /**
   * The caller when it may use the API: a token, or a browser's cookie with the header its own page sends
   * (the admin UI's session with x-herald-ui, the portal's cookie with x-herald-portal). Stream tokens only
   * open streams.
   */
  async apiCaller(request: FastifyRequest): Promise<Caller | undefined> {
    const identity = await this.identify(request);
    switch (identity.kind) {
      case 'api-token':
      case 'api-key':
      case 'integration':
        return identity;
      case 'session':
        return request.headers[UI_HEADER] !== undefined ? identity : undefined;
      case 'portal':
        return !identity.viaCookie || request.headers[PORTAL_HEADER] !== undefined ? identity : undefined;
      default:
        return undefined;
    }
  }

  private async read(request: FastifyRequest): Promise<Identity> {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer +(\S+)\s*$/i.exec(authorization)?.[1];
      return bearer ? this.fromToken(bearer) : { kind: 'invalid' };
    }
    const queryToken = (request.query as { token?: unknown } | undefined)?.token;
    // Tokens in a URL end up in logs and histories: only the short-lived stream tokens (and the API token, as before) go there.
    if (typeof queryToken === 'string') return this.fromToken(queryToken, false);
    const cookies = request.cookies ?? {};
    const portal = cookies[PORTAL_COOKIE];
    // A browser may hold both cookies (an operator trying the portal): the header says which page is asking.
    if (portal && (request.headers[PORTAL_HEADER] !== undefined || !cookies[SESSION_COOKIE])) return this.fromAccessToken(portal, true);
    const sessionId = cookies[SESSION_COOKIE];
    const csrf = await this.sessions.csrfOf(sessionId);
    return csrf ? { kind: 'session', key: `session:${fingerprint(sessionId!)}`, sessionId: sessionId!, csrf } : { kind: 'anonymous' };
  }

  private async fromToken(token: string, allowAccessTokens = true): Promise<Identity> {
    if (this.apiToken.matches(token)) return { kind: 'api-token', key: 'api-token' };
    if (allowAccessTokens && !token.startsWith('hst_')) return this.fromAccessToken(token, false);
    const claims = this.streamTokens.verify(token);
    // A stream token minted by a portal token or API key dies with it.
    if (!claims || (claims.sub && !(await this.accessTokens.isLive(claims.sub)))) return { kind: 'invalid' };
    return { kind: 'stream', key: `stream:${fingerprint(token)}`, appId: claims.app };
  }

  private async fromAccessToken(secret: string, viaCookie: boolean): Promise<Identity> {
    const token = await this.accessTokens.resolve(secret);
    return token ? { kind: token.kind, key: `token:${token.id}`, token, viaCookie } : { kind: 'invalid' };
  }
}

const fingerprint = (secret: string) => digest(secret).subarray(0, 12).toString('base64url');
