import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { serveBundle } from './static-bundle';

export const UI_ROUTE = '/ui';

/** Serves the admin UI (dist/ui). Its content security policy keeps the page talking to this origin only, and unframed. */
@Injectable()
export class AdminUi implements OnModuleInit {
  private readonly logger = new Logger(AdminUi.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    serveBundle(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), this.logger, {
      route: UI_ROUTE,
      folder: 'ui',
      name: 'admin UI',
      contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    });
  }
}
