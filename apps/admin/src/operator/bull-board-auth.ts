import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { Authenticator, sendError, UI_HEADER } from '@herald/platform';

export const BULL_BOARD_ROUTE = '/admin/queues';
/** Bull Board's own requests carry the session's anti-forgery token back in this header (axios's XSRF support). */
export const XSRF_HEADER = 'x-xsrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bull Board is a Fastify plugin outside Nest's guards, so its door is a Fastify hook. It looks at the
 * route that matched, never at the URL: the raw URL may be percent-encoded or in absolute form while
 * Fastify routes on the decoded path. An operator gets in with the API token, or with the session cookie
 * set at sign-in; with the cookie, a change (pause, retry, add…) must also prove it comes from Bull Board's
 * own page: the X-XSRF-TOKEN header matching the session, or the admin UI's header.
 */
@Injectable()
export class BullBoardAuth implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: Authenticator,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const route = request.routeOptions.url;
      if (route === undefined || (route !== BULL_BOARD_ROUTE && !route.startsWith(`${BULL_BOARD_ROUTE}/`))) return;
      const identity = await this.authenticator.identify(request);
      if (identity.kind === 'api-token') return;
      if (identity.kind === 'session') {
        if (SAFE_METHODS.has(request.method) || request.headers[UI_HEADER] !== undefined || sameToken(request.headers[XSRF_HEADER], identity.csrf)) return;
        return sendError(reply, 403, 'forbidden', `Changes through Bull Board need the ${XSRF_HEADER} header of the signed-in page`);
      }
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 401, 'authentication_failed', 'Bull Board needs the API token (Authorization: Bearer) or an admin UI session');
    });
  }
}

function sameToken(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(presented), Buffer.from(expected));
}
