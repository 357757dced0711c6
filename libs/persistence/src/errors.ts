/** A write broke a unique constraint: a uid, an eventId, an event type's name, an idempotency key taken already. */
export class DuplicateError extends Error {}

/** PostgreSQL (23505) and SQLite report a unique-constraint violation differently; this recognises both. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Runs a write; a unique-constraint violation becomes a DuplicateError. */
export async function orDuplicate<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateError((error as Error).message);
    throw error;
  }
}

/** PostgreSQL connection-class errors (08…, 57P0…), refused connections, a busy SQLite file: retryable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; driverError?: { code?: string; message?: string } };
  const code = e?.driverError?.code ?? e?.code ?? '';
  const message = e?.driverError?.message ?? e?.message ?? '';
  return /^(08|57P0)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'SQLITE_BUSY'].includes(code) || /Connection terminated|connect ECONNREFUSED/.test(message);
}
