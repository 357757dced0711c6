import { DynamicModule, Global, Logger, Module, OnApplicationShutdown, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigModule, HeraldConfig } from '@herald/config';
import { LiveModule } from '@herald/live';
import { PersistenceModule } from '@herald/persistence';
import { QueueModule } from '@herald/queue';
import { stopTracing } from '@herald/tracing';
import { AccessTokens, Authenticator, AuthGuard, Integrations, OperatorSessions, StreamTokens } from './auth';
import { HealthController, RedisHealthIndicator } from './health';
import { MetricsController } from './metrics.controller';
import { SchemaValidationPipe } from './schema-validation.pipe';
import { SvixErrorFilter } from './svix-error.filter';

/**
 * The composition root of every Herald process: shared infrastructure plus the app modules it runs
 * (ingest, delivery, admin, or all three for the all-in-one process). One definition builds them all.
 */
@Global()
@Module({})
export class HeraldModule implements OnApplicationShutdown {
  static forRoot(config: HeraldConfig, apps: Type[]): DynamicModule {
    return {
      module: HeraldModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot(config),
        QueueModule.forRoot(config),
        LiveModule,
        TerminusModule.forRoot({ logger: false }),
        ...apps,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: SvixErrorFilter },
        { provide: APP_PIPE, useClass: SchemaValidationPipe },
        Authenticator,
        OperatorSessions,
        StreamTokens,
        AccessTokens,
        Integrations,
        RedisHealthIndicator,
      ],
      exports: [Authenticator, OperatorSessions, StreamTokens, AccessTokens, Integrations],
    };
  }

  /** Runs last (a global module's hooks run after the apps'): the spans of the last attempts are flushed too. */
  async onApplicationShutdown(signal?: string): Promise<void> {
    await stopTracing();
    new Logger('Herald').log(`Stopped${signal ? ` on ${signal}` : ''}: workers closed, connections released`);
  }
}
