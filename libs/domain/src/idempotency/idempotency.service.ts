import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { IdempotencyKey } from '@herald/persistence';
import { isUniqueViolation } from './errors';

export type IdempotencyClaim =
  { kind: 'first' } | { kind: 'replay'; statusCode: number; response: string | null } | { kind: 'mismatch' } | { kind: 'in-progress' };

/**
 * Remembers POSTs made with an `idempotency-key` header, so a retried request gets the first one's
 * response instead of doing the work twice. The key's row is claimed before the work starts (the primary
 * key makes two concurrent claims impossible) and filled with the response when it is sent.
 */
@Injectable()
export class IdempotencyService {
  constructor(@InjectRepository(IdempotencyKey) private readonly keys: Repository<IdempotencyKey>) {}

  async claim(key: string, fingerprint: string): Promise<IdempotencyClaim> {
    try {
      await this.keys.insert({ key, fingerprint, statusCode: 0, response: null, createdAt: new Date() });
      return { kind: 'first' };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const row = await this.keys.findOneBy({ key });
    if (!row) return this.claim(key, fingerprint); // released meanwhile
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.statusCode === 0) return { kind: 'in-progress' };
    return { kind: 'replay', statusCode: row.statusCode, response: row.response };
  }

  async complete(key: string, statusCode: number, response: string | null): Promise<void> {
    await this.keys.update({ key }, { statusCode, response });
  }

  /** Forgets a claim whose request failed on the server's side, so that a retry runs again. */
  async release(key: string): Promise<void> {
    await this.keys.delete({ key, statusCode: 0 });
  }
}
