/** Domain failures; the HTTP layer turns them into Svix error bodies. */
export class NotFoundError extends Error {
  constructor(readonly resource: string) {
    super(`${resource} not found`);
  }
}

export class ConflictError extends Error {}

/** Runs a write; a unique-constraint violation becomes a ConflictError with `detail` (a 409). */
export async function conflictOnDuplicate<T>(write: () => Promise<T>, detail: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(detail);
    throw error;
  }
}

/** Postgres (23505) and SQLite report a unique-constraint violation differently; this recognises both. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
