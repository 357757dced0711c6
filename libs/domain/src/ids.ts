import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: sorts the same as the numbers it encodes
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** 16 random base32 characters (80 bits), drawn from a pool refilled 4 KB at a time: one syscall per 256 ids. */
function randomPart(): string {
  if (poolOffset + 16 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let text = '';
  for (let i = 0; i < 16; i++) text += ALPHABET[pool[poolOffset++] & 31];
  return text;
}

/** 10 base32 characters of milliseconds since the epoch (good until the year 10889). */
function timePart(ms: number): string {
  let text = '';
  for (let i = 0; i < 10; i++) {
    text = ALPHABET[ms % 32] + text;
    ms = Math.floor(ms / 32);
  }
  return text;
}

/** A ULID-shaped id: creation time first, so ids sort by creation time (to the millisecond), as list pagination relies on. */
export function timeSortableId(now = Date.now()): string {
  return timePart(now) + randomPart();
}

/** Svix-style prefixed ids (`app_…`, `ep_…`, `msg_…`). */
export const newId = {
  application: () => `app_${timeSortableId()}`,
  endpoint: () => `ep_${timeSortableId()}`,
  message: () => `msg_${timeSortableId()}`,
  delivery: () => `dlv_${timeSortableId()}`,
  attempt: () => `atmpt_${timeSortableId()}`,
};
