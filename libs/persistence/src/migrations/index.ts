import { InitialSchema1763780000000 } from './1763780000000-initial-schema';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS = [InitialSchema1763780000000];
