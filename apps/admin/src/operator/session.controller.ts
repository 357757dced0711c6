import { Controller, Delete, Get, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HeraldConfig } from '@herald/config';
import { ApiError, Authenticator, OperatorSessions, Public, SESSION_COOKIE } from '@herald/platform';
import { BULL_BOARD_ROUTE } from './bull-board-auth';

/** Readable by Bull Board's page (not HttpOnly), which sends it back as X-XSRF-TOKEN on its changes. */
const XSRF_COOKIE = 'XSRF-TOKEN';

/**
 * Operator sessions for browsers: POST with the API token (Authorization: Bearer) starts one, an HttpOnly
 * cookie that opens the admin UI and Bull Board for HERALD_SESSION_TTL at most; DELETE ends it on the
 * server, for every instance at once; GET tells the UI whether it is signed in.
 */
@Controller('api/v1/auth/session')
export class SessionController {
  private readonly secure: boolean;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly sessions: OperatorSessions,
    config: HeraldConfig,
  ) {
    this.secure = config.publicUrl?.startsWith('https:') ?? false;
  }

  /** Public, and never a 401: the UI asks this before it shows the sign-in form. */
  @Get()
  @Public()
  async status(@Req() request: FastifyRequest): Promise<{ signedIn: boolean }> {
    return { signedIn: (await this.authenticator.identify(request)).kind === 'session' };
  }

  /** Only the API token signs in: a session cannot mint another, so a stolen cookie dies with its session. */
  @Post()
  @Public()
  @HttpCode(204)
  async signIn(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const identity = await this.authenticator.identify(request);
    if (identity.kind === 'invalid') throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Invalid token');
    if (identity.kind !== 'api-token')
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Signing in takes the API token: Authorization: Bearer <token>');
    const session = await this.sessions.start();
    const maxAge = Math.floor((session.expiresAt.getTime() - Date.now()) / 1_000);
    reply.setCookie(SESSION_COOKIE, session.id, this.cookie({ path: '/', httpOnly: true, maxAge }));
    reply.setCookie(XSRF_COOKIE, session.csrf, this.cookie({ path: BULL_BOARD_ROUTE, maxAge }));
  }

  @Delete()
  @HttpCode(204)
  async signOut(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const identity = await this.authenticator.identify(request);
    const sessionId = identity.kind === 'session' ? identity.sessionId : request.cookies[SESSION_COOKIE];
    if (sessionId) await this.sessions.end(sessionId);
    reply.clearCookie(SESSION_COOKIE, this.cookie({ path: '/', httpOnly: true }));
    reply.clearCookie(XSRF_COOKIE, this.cookie({ path: BULL_BOARD_ROUTE }));
  }

  private cookie(options: CookieSerializeOptions): CookieSerializeOptions {
    return { sameSite: 'strict', secure: this.secure, ...options };
  }
}
