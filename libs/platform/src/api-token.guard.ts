import { CanActivate, ExecutionContext, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HeraldConfig } from '@herald/config';
import { ApiError } from './api-errors';

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

/** Every route needs `Authorization: Bearer <HERALD_API_TOKEN>` unless marked @Public(). */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly token: ApiToken;

  constructor(
    config: HeraldConfig,
    private readonly reflector: Reflector,
  ) {
    this.token = new ApiToken(config.apiToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const verdict = this.token.check(context.switchToHttp().getRequest<FastifyRequest>().headers.authorization);
    if (verdict === 'missing') throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Missing Authorization: Bearer <token> header');
    if (verdict === 'invalid') throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Invalid token');
    return true;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();
