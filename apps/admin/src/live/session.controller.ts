import { Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasOperatorSession, Public, SESSION_COOKIE, SignedTokens } from '@herald/platform';

const SESSION_TTL_MS = 12 * 3_600_000;

/**
 * Operator sessions for browsers: POST with the API token (Authorization: Bearer) sets an HttpOnly cookie
 * that opens Bull Board (and the admin UI); DELETE signs out; GET tells the UI whether it is signed in.
 */
@Controller('api/v1/auth/session')
export class SessionController {
  constructor(private readonly tokens: SignedTokens) {}

  /** Public, and never a 401: the UI asks this before it shows the sign-in form. */
  @Get()
  @Public()
  status(@Req() request: FastifyRequest): { signedIn: boolean } {
    return { signedIn: hasOperatorSession(request, this.tokens) };
  }

  @Post()
  @HttpCode(204)
  signIn(@Res({ passthrough: true }) reply: FastifyReply): void {
    const { token } = this.tokens.issue('session', SESSION_TTL_MS);
    reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1_000}`);
  }

  @Delete()
  @HttpCode(204)
  signOut(@Res({ passthrough: true }) reply: FastifyReply): void {
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
  }
}
