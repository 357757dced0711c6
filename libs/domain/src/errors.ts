import { DuplicateError } from '@herald/persistence';

/** Domain failures; the HTTP layer turns them into Svix error bodies. */
export class NotFoundError extends Error {
  constructor(readonly resource: string) {
    super(`${resource} not found`);
  }
}

export class ConflictError extends Error {}

/** Input the schema let through that the domain refuses: a 422 naming the field (`loc`, as Svix names fields). */
export class InvalidInputError extends Error {
  constructor(
    readonly loc: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

/** Runs a write; a duplicate (a unique key taken) becomes a ConflictError with `detail`, a 409. */
export async function conflictOnDuplicate<T>(write: () => Promise<T>, detail: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof DuplicateError) throw new ConflictError(detail);
    throw error;
  }
}

/** The row, or a NotFoundError naming what was looked for. */
export function found<T>(row: T | null | undefined, resource: string): T {
  if (row === null || row === undefined) throw new NotFoundError(resource);
  return row;
}
