import { Injectable } from '@nestjs/common';
import { DuplicateError, IdempotencyRepository } from '@herald/persistence';

export type IdempotencyClaim =
  { kind: 'first' } | { kind: 'replay'; statusCode: number; response: string | null } | { kind: 'mismatch' } | { kind: 'in-progress' };

/**
 * Remembers POSTs made with an `idempotency-key` header, so a retried request gets the first one's
 * response instead of doing the work twice. The key's row is claimed before the work starts (the primary
 * key makes two concurrent claims impossible) and filled with the response when it is sent.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly keys: IdempotencyRepository) {}

  async claim(key: string, fingerprint: string): Promise<IdempotencyClaim> {
    try {
      await this.keys.claim(key, fingerprint);
      return { kind: 'first' };
    } catch (error) {
      if (!(error instanceof DuplicateError)) throw error;
    }
    const row = await this.keys.find(key);
    if (!row) return this.claim(key, fingerprint); // released meanwhile
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.statusCode === 0) return { kind: 'in-progress' };
    return { kind: 'replay', statusCode: row.statusCode, response: row.response };
  }

  complete(key: string, statusCode: number, response: string | null): Promise<void> {
    return this.keys.complete(key, statusCode, response);
  }

  /** Forgets a claim whose request failed on the server's side, so that a retry runs again. */
  release(key: string): Promise<void> {
    return this.keys.release(key);
  }
}
