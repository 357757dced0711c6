import { Controller, Get, Header, HttpStatus, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { HeraldConfig } from '@herald/config';
import { Metrics } from '@herald/live';
import { ApiError } from './api-errors';
import { ApiToken, Public } from './auth';

/**
 * Prometheus scrape endpoint. Open unless HERALD_METRICS_TOKEN is set (then `Authorization: Bearer` with
 * it): scrapers are usually inside the network, and the numbers hold no payloads, secrets or ids.
 */
@Controller('metrics')
export class MetricsController {
  private readonly token?: ApiToken;

  constructor(
    private readonly metrics: Metrics,
    config: HeraldConfig,
  ) {
    if (config.metricsToken) this.token = new ApiToken(config.metricsToken);
  }

  @Get()
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Req() request: FastifyRequest): Promise<string> {
    const presented = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (this.token && !(presented && this.token.matches(presented))) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'authentication_failed', 'Metrics need Authorization: Bearer <HERALD_METRICS_TOKEN>');
    }
    return this.metrics.exposition();
  }
}
