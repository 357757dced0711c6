import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AppPortalAccessIn,
  AppPortalAccessInSchema,
  AppPortalAccessOutSchema,
  ApplicationTokenExpireIn,
  ApplicationTokenExpireInSchema,
  PORTAL_EXPIRY_DEFAULT_S,
} from '@herald/api';
import { HeraldConfig } from '@herald/config';
import type { PortalSessionOut } from '@herald/contract';
import { ApplicationService, InvalidInputError, NotFoundError } from '@herald/domain';
import type { Application } from '@herald/persistence';
import { AccessTokens, ApiError, Authenticator, PORTAL_COOKIE, Public, Returns, ReturnsNothing, TokenCaller } from '@herald/platform';
import { AppParam } from '../application.param';
import { PORTAL_ROUTE } from '../ui/portal-ui';

/** The portal's cookie goes with API calls only. */
const COOKIE_PATH = '/api/v1';

/**
 * Svix's app portal access: a token for one application, and the link that opens Herald's consumer portal
 * with it (`url`, the token in its #fragment, which browsers never send to a server); the portal trades it
 * for an HttpOnly cookie. `logout` revokes the token it is called with; `expire-all` the application's.
 */
@Controller('api/v1/auth')
export class PortalAccessController {
  private readonly secure: boolean;

  constructor(
    private readonly applications: ApplicationService,
    private readonly tokens: AccessTokens,
    private readonly authenticator: Authenticator,
    private readonly config: HeraldConfig,
  ) {
    this.secure = config.publicUrl?.startsWith('https:') ?? false;
  }

  /** 200 `{ url, token }`; `application` creates the application when the path names none (as message create does). */
  @Post('app-portal-access/:app_id')
  @Returns(AppPortalAccessOutSchema)
  @HttpCode(200)
  async appPortalAccess(@Param('app_id') appId: string, @Body({ schema: AppPortalAccessInSchema }) input: AppPortalAccessIn, @Req() request: FastifyRequest) {
    const application = await this.applicationFor(appId, input);
    const { secret } = await this.tokens.issuePortalToken(application.id, {
      expiresAt: new Date(Date.now() + (input?.expiry ?? PORTAL_EXPIRY_DEFAULT_S) * 1_000),
      readOnly: input?.readOnly ?? false,
      capabilities: input?.capabilities ?? null,
      featureFlags: input?.featureFlags ?? null,
      sessionId: input?.sessionId ?? null,
    });
    return { url: `${this.origin(request)}${PORTAL_ROUTE}/#key=${secret}`, token: secret };
  }

  /** Revokes the portal token it is called with (as Bearer, or the portal's cookie), at once, everywhere. */
  @Post('logout')
  @ReturnsNothing()
  @Public()
  @HttpCode(204)
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const caller = await this.portalCaller(request);
    await this.tokens.revoke('portal', caller.token.id);
    if (caller.viaCookie) reply.clearCookie(PORTAL_COOKIE, this.cookie());
  }

  /** Expires the application's portal tokens (of `sessionIds` only, when given) `expiry` seconds from now. */
  @Post('app/:app_id/expire-all')
  @ReturnsNothing()
  @HttpCode(204)
  async expireAll(@AppParam() application: Application, @Body({ schema: ApplicationTokenExpireInSchema }) input: ApplicationTokenExpireIn): Promise<void> {
    await this.tokens.expireAll(application.id, (input?.expiry ?? 0) * 1_000, input?.sessionIds ?? undefined);
  }

  /**
   * The portal's sign-in: the token from the link's fragment, as Bearer, becomes an HttpOnly cookie that
   * lives as long as the token, so the page never keeps it.
   */
  @Post('portal-session')
  @Public()
  @HttpCode(204)
  async portalSignIn(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const caller = await this.portalCaller(request);
    if (caller.viaCookie) return;
    const maxAge = Math.floor((caller.token.expiresAt!.getTime() - Date.now()) / 1_000);
    reply.setCookie(PORTAL_COOKIE, request.headers.authorization!.replace(/^Bearer +/i, '').trim(), this.cookie({ maxAge }));
  }

  /** What the portal needs to know of its session: the application, what the token may do, the branding. */
  @Get('portal-session')
  @Public()
  async portalSession(@Req() request: FastifyRequest): Promise<PortalSessionOut> {
    const { token } = await this.portalCaller(request);
    const application = await this.applications.get(token.appId!);
    return {
      appId: application.id,
      appName: application.name,
      readOnly: token.readOnly,
      capabilities: token.capabilities,
      featureFlags: token.featureFlags,
      expiresAt: token.expiresAt!.toISOString(),
      branding: { primaryColor: this.config.portalPrimaryColor ?? null, logoUrl: this.config.portalLogoUrl ?? null },
    };
  }

  private async portalCaller(request: FastifyRequest): Promise<TokenCaller> {
    const caller = await this.authenticator.apiCaller(request);
    if (caller?.kind === 'portal') return caller;
    if (caller) throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', 'This takes an app portal token');
    throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Send an app portal token as Authorization: Bearer');
  }

  private async applicationFor(appId: string, input: AppPortalAccessIn): Promise<Application> {
    try {
      return await this.applications.get(appId);
    } catch (error) {
      if (!(error instanceof NotFoundError) || !input?.application) throw error;
    }
    if (input.application.uid && input.application.uid !== appId)
      throw new InvalidInputError(['body', 'application', 'uid'], `must be the application id or uid of the path ("${appId}")`);
    return (await this.applications.create({ ...input.application, uid: appId }, true)).application;
  }

  /** Where users reach Herald: HERALD_PUBLIC_URL, else the origin this request was sent to. */
  private origin(request: FastifyRequest): string {
    return this.config.publicUrl ? this.config.publicUrl.replace(/\/+$/, '') : `${request.protocol}://${request.host}`;
  }

  /**
   * Behind https the cookie must reach a portal framed by another site: SameSite=None, and Partitioned
   * (CHIPS) so that browsers blocking third-party cookies still keep it, for that embedding site only.
   */
  private cookie(options: CookieSerializeOptions = {}): CookieSerializeOptions {
    const crossSite = this.secure ? { sameSite: 'none' as const, secure: true, partitioned: true } : { sameSite: 'strict' as const };
    return { path: COOKIE_PATH, httpOnly: true, ...crossSite, ...options };
  }
}
