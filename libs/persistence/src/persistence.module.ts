import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { HeraldConfig } from '@herald/config';
import { dataSourceOptions } from './data-source';
import { ENTITIES } from './entities';
import { SqliteCheckpointer } from './sqlite-checkpointer';

/** The database connection, a repository for every entity (`@InjectRepository(Entity)`), and SQLite's background checkpoints. */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    const repositories = TypeOrmModule.forFeature(ENTITIES);
    return {
      module: PersistenceModule,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl)), repositories],
      providers: [SqliteCheckpointer],
      exports: [repositories],
    };
  }
}
