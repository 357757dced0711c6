import type { Database } from '../database';
import { Message, MessageAttempt } from '../entities';

/** What expunged content is replaced by. */
export const EXPUNGED = '{}';
/** Rows per statement, and statements per run at most: bounds each retention run's work. */
const BATCH = 1_000;
const MAX_BATCHES = 100;

/** Replaces `column` (and clears `alsoClear`) in rows created before `cutoff`, a batch per statement; answers how many rows. */
export async function expungeInBatches(
  db: Database,
  entity: typeof Message | typeof MessageAttempt,
  column: 'payload' | 'response',
  cutoff: number,
  alsoClear: object = {},
): Promise<number> {
  const table = db.source.getMetadata(entity).tableName;
  let total = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const result = await db.write((writer) =>
      writer
        .createQueryBuilder()
        .update(entity)
        .set({ [column]: EXPUNGED, ...alsoClear })
        .where(`id IN (SELECT id FROM ${table} WHERE created_at < :cutoff AND ${column} <> :expunged LIMIT ${BATCH})`, { cutoff, expunged: EXPUNGED })
        .execute(),
    );
    total += result.affected ?? 0;
    if (!result.affected) break;
  }
  return total;
}
