import { CanActivate, ExecutionContext, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '@herald/domain';
import { ApplicationRepository } from '@herald/persistence';
import { ApiError } from '../api-errors';
import type { Capability } from '@herald/api';
import { Access, accessOf, Authenticator } from './authenticator';

const PUBLIC = 'herald:public';
const APP_SCOPED = 'herald:app-scoped';
const ROOT_ONLY = 'herald:root-only';
const CHANGES_NOTHING = 'herald:changes-nothing';

/** Marks a route that checks credentials itself, or needs none (health). */
export const Public = () => SetMetadata(PUBLIC, true);
/**
 * A route a credential limited to one application may use, within that application (its `:app_id`), and
 * the capability it takes (Svix's AppPortalCapability; a token given `capabilities` has only those).
 * Every other route answers such a credential 404, as if it did not exist.
 */
export const AppScoped = (capability: Capability = 'ViewBase') => SetMetadata(APP_SCOPED, capability);
/**
 * Only the bootstrap API token and operator sessions; `what` ends the 403 other credentials get ("Only the API
 * token manages API keys").
 */
export const RootOnly = (what = 'manages API keys') => SetMetadata(ROOT_ONLY, what);
/** A POST that changes nothing (a stream token, a precheck): read-only credentials may call it. */
export const ChangesNothing = () => SetMetadata(CHANGES_NOTHING, true);

const READS = new Set(['GET', 'HEAD']);

/**
 * Every route needs credentials unless marked @Public(). The API token and operator sessions (the admin UI,
 * with its header) reach everything; API keys and portal tokens what their scope allows, decided here
 * from the route's metadata, never in controllers: a route for one application (@AppScoped) and that
 * application only (the path's `:app_id`, by id or uid; any other is the same 404 as a missing one),
 * only reads for a read-only credential (403), only capabilities it was given (403), and routes marked @RootOnly (API keys,
 * operational webhook endpoints) are for root callers only (403).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly applications: ApplicationRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const caller = await this.authenticator.apiCaller(request);
    if (!caller) throw await this.unauthorized(request);
    const access = accessOf(caller);
    if (access.root) return true;

    const capability = this.reflector.getAllAndOverride<Capability | undefined>(APP_SCOPED, targets);
    if (access.appId && !capability) throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', 'Not found');
    const rootOnly = this.reflector.getAllAndOverride<string | undefined>(ROOT_ONLY, targets);
    if (rootOnly) throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', `Only the API token ${rootOnly}`);
    // Refused before the application is looked up, so that neither answer depends on whether it exists.
    if (access.readOnly && !READS.has(request.method) && !this.reflector.getAllAndOverride<boolean>(CHANGES_NOTHING, targets))
      throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', 'This token is read-only');
    if (capability && access.capabilities && !access.capabilities.includes(capability))
      throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', `This token lacks the ${capability} capability`);
    if (access.appId) await this.inScope(request, access);
    return true;
  }

  /** The path's application must be the credential's own; addressed by its uid, it is looked up (the uid may have changed). */
  private async inScope(request: FastifyRequest, access: Access): Promise<void> {
    const appId = (request.params as Record<string, string> | undefined)?.app_id;
    if (appId === undefined || appId === access.appId) return;
    const application = await this.applications.findByIdOrUid(appId);
    if (application?.id !== access.appId) throw new NotFoundError('Application');
  }

  private async unauthorized(request: FastifyRequest): Promise<ApiError> {
    const identity = await this.authenticator.identify(request);
    if (identity.kind === 'invalid') return new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Invalid token');
    if (identity.kind === 'stream') return new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'A stream token only opens live streams');
    return new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Missing Authorization: Bearer <token> header');
  }
}
