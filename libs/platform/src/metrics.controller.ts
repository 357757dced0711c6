import { Controller, Get, Header } from '@nestjs/common';
import { Metrics } from '@herald/live';
import { Public } from './api-token.guard';

/** Prometheus scrape endpoint. Public like health: put it behind your network's access rules. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
