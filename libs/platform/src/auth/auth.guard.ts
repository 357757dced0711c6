import { CanActivate, ExecutionContext, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api-errors';
import { Authenticator } from './authenticator';

const PUBLIC = 'herald:public';
/** Marks a route that checks credentials itself, or needs none (health). */
export const Public = () => SetMetadata(PUBLIC, true);

/**
 * Every route needs the API token (`Authorization: Bearer`) unless marked @Public(); the admin UI may send
 * its session cookie with the `x-herald-ui` header instead.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (await this.authenticator.apiCaller(request)) return true;
    const identity = await this.authenticator.identify(request);
    if (identity.kind === 'invalid') throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Invalid token');
    if (identity.kind === 'stream') throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'A stream token only opens live streams');
    throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Missing Authorization: Bearer <token> header');
  }
}
