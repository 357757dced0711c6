import { CanActivate, ExecutionContext, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HeraldConfig } from '@herald/config';
import { ApiError } from './api-errors';

const PUBLIC = 'herald:public';
/** Marks a route that needs no token (health). */
export const Public = () => SetMetadata(PUBLIC, true);

/** Every route needs `Authorization: Bearer <HERALD_API_TOKEN>` unless marked @Public(). */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    config: HeraldConfig,
    private readonly reflector: Reflector,
  ) {
    this.expected = digest(config.apiToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    if (!token) throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Missing Authorization: Bearer <token> header');
    // Compare fixed-length digests so the comparison takes the same time whatever the token's length.
    if (!timingSafeEqual(digest(token), this.expected)) throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Invalid token');
    return true;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();
