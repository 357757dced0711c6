import { Controller, Get, HttpCode, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth';
import { RedisHealthIndicator } from './redis.health';

/** Bound on each check: a hung database or Redis answers 503 in about this long, not when the prober gives up. */
const CHECK_TIMEOUT_MS = 2_000;
/** Concurrent and back-to-back probes share one run of the checks: health is public and never rate-limited. */
const CHECK_CACHE_MS = 1_000;

/**
 * Readiness at Svix's path (204 while the database and Redis answer, 503 naming what is down otherwise) and
 * liveness beside it (204 whenever the process can answer at all).
 */
@Controller('api/v1/health')
export class HealthController {
  private readonly logger = new Logger('Health');
  private down = new Set<string>();

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @Public()
  @HttpCode(204)
  async ready(): Promise<void> {
    try {
      await this.health.check([
        () => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }).cacheFor(CHECK_CACHE_MS),
        () => this.redis.pingCheck('redis', CHECK_TIMEOUT_MS).cacheFor(CHECK_CACHE_MS),
      ]);
      this.noteDown([]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.entries(result.error ?? {}).map(([name, info]) => (info?.message ? `${name} (${String(info.message)})` : name));
      this.noteDown(Object.keys(result.error ?? {}));
      throw new ServiceUnavailableException({ code: 'service_unavailable', detail: `Not ready: ${down.join(', ')} down`, ...result });
    }
  }

  @Get('live')
  @Public()
  @HttpCode(204)
  live(): void {}

  /** One log line when a component goes down or comes back, not one per probe. */
  private noteDown(names: string[]): void {
    const now = new Set(names);
    for (const name of now) if (!this.down.has(name)) this.logger.warn(`${name} is down: readiness answers 503`);
    for (const name of this.down) if (!now.has(name)) this.logger.log(`${name} is back`);
    this.down = now;
  }
}
