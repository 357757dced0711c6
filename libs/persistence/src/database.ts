import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction, outsideTransaction } from './transactions';

/**
 * The repositories' one way into the database: reads on the shared manager, and every write through
 * `transaction` or `write`, which keep SQLite to one writer at a time (see transactions.ts).
 */
@Injectable()
export class Database {
  constructor(@InjectDataSource() readonly source: DataSource) {}

  /** For reads. */
  get reader(): EntityManager {
    return this.source.manager;
  }

  get isPostgres(): boolean {
    return this.source.options.type === 'postgres';
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.source, work);
  }

  write<T>(work: (db: EntityManager) => Promise<T>): Promise<T> {
    return outsideTransaction(this.source, work);
  }
}
