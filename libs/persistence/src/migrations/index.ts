import { InitialSchema1763780000000 } from './1763780000000-initial-schema';
import { IdempotencyAndRecovery1763790000000 } from './1763790000000-idempotency-and-recovery';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [InitialSchema1763780000000, IdempotencyAndRecovery1763790000000];
