import { Injectable } from '@nestjs/common';
import { LessThan } from 'typeorm';
import { Database } from '../database';
import { IdempotencyKey } from '../entities';
import { orDuplicate } from '../errors';

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: Database) {}

  /** Claims the key for a first request (status 0 while it runs); throws DuplicateError when it is taken. */
  claim(key: string, fingerprint: string): Promise<void> {
    return this.db.write((db) =>
      orDuplicate(async () => void (await db.getRepository(IdempotencyKey).insert({ key, fingerprint, statusCode: 0, response: null, createdAt: new Date() }))),
    );
  }

  find(key: string): Promise<IdempotencyKey | null> {
    return this.db.reader.getRepository(IdempotencyKey).findOneBy({ key });
  }

  complete(key: string, statusCode: number, response: string | null): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(IdempotencyKey).update({ key }, { statusCode, response })));
  }

  /** Forgets a claim still running (statusCode 0), so that a retry runs again. */
  release(key: string): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(IdempotencyKey).delete({ key, statusCode: 0 })));
  }

  deleteOlderThan(date: Date): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(IdempotencyKey).delete({ createdAt: LessThan(date) })));
  }
}
