import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { HeraldConfig } from '@herald/config';
import { serveBundle } from './static-bundle';

export const PORTAL_ROUTE = '/portal';

/**
 * Serves the consumer portal (dist/portal), opened by an app-portal-access link. Its policy allows this
 * origin only (scripts, styles, API calls, images: a logo is a data: URL or a path here), and framing by
 * HERALD_PORTAL_FRAME_ANCESTORS alone; for those pages helmet's X-Frame-Options: DENY goes, since it
 * cannot name origins. Every other page keeps refusing frames.
 */
@Injectable()
export class PortalUi implements OnModuleInit {
  private readonly logger = new Logger(PortalUi.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: HeraldConfig,
  ) {}

  onModuleInit(): void {
    const ancestors = this.config.portalFrameAncestors;
    serveBundle(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), this.logger, {
      route: PORTAL_ROUTE,
      folder: 'portal',
      name: 'consumer portal',
      contentSecurityPolicy: [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        `frame-ancestors ${ancestors.length ? ancestors.join(' ') : "'none'"}`,
      ].join('; '),
      headers: (reply) => {
        if (ancestors.length) reply.raw.removeHeader('x-frame-options');
      },
    });
  }
}
