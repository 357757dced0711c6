import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HeraldConfig } from '@herald/config';
import { ApiToken, hasOperatorSession, SignedTokens } from '@herald/platform';

export const BULL_BOARD_ROUTE = '/admin/queues';

/**
 * Bull Board is a Fastify plugin outside Nest's guards, so its door is a Fastify hook: the API token as
 * `Authorization: Bearer`, or the operator session cookie the admin UI sets at sign-in. Anything else is 401.
 */
@Injectable()
export class OperatorAuth implements OnModuleInit {
  private readonly apiToken: ApiToken;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: SignedTokens,
    config: HeraldConfig,
  ) {
    this.apiToken = new ApiToken(config.apiToken);
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0];
      if (path !== BULL_BOARD_ROUTE && !path.startsWith(`${BULL_BOARD_ROUTE}/`)) return;
      if (this.isOperator(request)) return;
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .header('content-type', 'application/json')
        .send(JSON.stringify({ code: 'authentication_failed', detail: 'Bull Board needs the API token (Authorization: Bearer) or an admin UI session' }));
    });
  }

  isOperator(request: FastifyRequest): boolean {
    if (this.apiToken.check(request.headers.authorization) === 'ok') return true;
    return hasOperatorSession(request, this.tokens);
  }
}
