import fastifyStatic from '@fastify/static';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const UI_ROUTE = '/ui';

/**
 * Serves the admin UI that `npm run build` puts in dist/ui (scripts/build-ui.mjs). The files are public;
 * everything they show comes from the API behind the operator session. The content security policy keeps
 * the page talking to this origin only.
 */
@Injectable()
export class AdminUi implements OnModuleInit {
  private readonly logger = new Logger(AdminUi.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const root = uiDirectory();
    fastify.get(UI_ROUTE, (_request, reply) => reply.redirect(`${UI_ROUTE}/`));
    if (!root) {
      this.logger.warn('The admin UI is not built (dist/ui is missing): run "npm run build"');
      fastify.get(`${UI_ROUTE}/*`, (_request, reply) => reply.code(503).type('text/plain').send('The admin UI is not built: run "npm run build".'));
      return;
    }
    void fastify.register(fastifyStatic, {
      root,
      prefix: `${UI_ROUTE}/`,
      decorateReply: false,
      cacheControl: false,
      setHeaders: (reply, path) => {
        // Bundles carry a content hash in their names, so they never change; index.html always revalidates.
        reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
        reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
        reply.header('x-content-type-options', 'nosniff');
      },
    });
  }
}

/** dist/ui next to the nearest package.json above this file (the same from src/ under jest and from dist/). */
function uiDirectory(): string | undefined {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const ui = join(dir, 'dist', 'ui');
      return existsSync(join(ui, 'index.html')) ? ui : undefined;
    }
  }
  return undefined;
}
