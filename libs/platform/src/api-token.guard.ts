import { CanActivate, ExecutionContext, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HeraldConfig } from '@herald/config';
import { ApiError } from './api-errors';
import { hasOperatorSession, UI_HEADER } from './operator-session';
import { SignedTokens } from './signed-tokens';

const PUBLIC = 'herald:public';
/** Marks a route that needs no token (health). */
export const Public = () => SetMetadata(PUBLIC, true);

/** Checks `Authorization: Bearer <token>` against the API token. */
export class ApiToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  check(authorization: string | undefined): 'ok' | 'missing' | 'invalid' {
    const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return 'missing';
    // Compare fixed-length digests so the comparison takes the same time whatever the token's length.
    return timingSafeEqual(digest(token), this.expected) ? 'ok' : 'invalid';
  }
}

/**
 * Every route needs `Authorization: Bearer <HERALD_API_TOKEN>` unless marked @Public(); the admin UI may
 * instead send the operator session cookie with the `x-herald-ui` header.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly token: ApiToken;

  constructor(
    config: HeraldConfig,
    private readonly reflector: Reflector,
    private readonly tokens: SignedTokens,
  ) {
    this.token = new ApiToken(config.apiToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const verdict = this.token.check(request.headers.authorization);
    if (verdict === 'missing' && request.headers[UI_HEADER] && hasOperatorSession(request, this.tokens)) return true;
    if (verdict === 'missing') throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Missing Authorization: Bearer <token> header');
    if (verdict === 'invalid') throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Invalid token');
    return true;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();
