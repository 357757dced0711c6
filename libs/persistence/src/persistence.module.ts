import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { HeraldConfig } from '@herald/config';
import { dataSourceOptions } from './data-source';
import { Database } from './database';
import {
  AccessTokenRepository,
  ApplicationRepository,
  BackgroundTaskRepository,
  AttemptRepository,
  DeliveryRepository,
  EndpointRepository,
  EventTypeRepository,
  IdempotencyRepository,
  IntegrationRepository,
  MessageRepository,
} from './repositories';
import { SqliteCheckpointer } from './sqlite-checkpointer';

const REPOSITORIES = [
  AccessTokenRepository,
  ApplicationRepository,
  AttemptRepository,
  BackgroundTaskRepository,
  DeliveryRepository,
  EndpointRepository,
  EventTypeRepository,
  IdempotencyRepository,
  IntegrationRepository,
  MessageRepository,
];

/** The database connection, one repository per aggregate (each owns its queries), and SQLite's background checkpoints. */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl))],
      providers: [Database, ...REPOSITORIES, SqliteCheckpointer],
      exports: [Database, ...REPOSITORIES],
    };
  }
}
