import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: sorts the same as the numbers it encodes
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** 16 random base32 digits (80 bits), drawn from a pool refilled 4 KB at a time: one syscall per 256 ids. */
function randomDigits(): number[] {
  if (poolOffset + 16 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const digits: number[] = [];
  for (let i = 0; i < 16; i++) digits.push(pool[poolOffset++] & 31);
  return digits;
}

let lastTime = -1;
let lastDigits: number[] = [];

/** Within one millisecond the previous id's random part plus one, so ids from this process keep their order. */
function randomPart(now: number): string {
  if (now === lastTime) {
    let i = lastDigits.length - 1;
    while (i >= 0 && lastDigits[i] === 31) lastDigits[i--] = 0;
    if (i >= 0) lastDigits[i]++;
  } else {
    lastTime = now;
    lastDigits = randomDigits();
  }
  return lastDigits.map((digit) => ALPHABET[digit]).join('');
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

/**
 * A ULID-shaped id: creation time first, so ids sort by creation time, as list pagination relies on
 * (strictly within one process, to the millisecond across processes).
 */
export function timeSortableId(now = Date.now()): string {
  return timePart(now) + randomPart(now);
}

/** Svix-style prefixed ids (`app_…`, `ep_…`, `msg_…`). */
export const newId = {
  application: () => `app_${timeSortableId()}`,
  endpoint: () => `ep_${timeSortableId()}`,
  message: () => `msg_${timeSortableId()}`,
  delivery: () => `dlv_${timeSortableId()}`,
  attempt: () => `atmpt_${timeSortableId()}`,
};
