/**
 * Small pieces for seeded fuzzing: a seed from the environment, a deterministic PRNG, and JSON text that
 * JSON.stringify cannot write (1e309, duplicate or __proto__ keys, 10,000-deep nesting).
 */

/** The seed in `variable` (a whole number below 2^32), or a fresh one; print it so a run can be replayed. */
export function readSeed(variable: string): number {
  const given = process.env[variable];
  if (given === undefined || given === '') return (Date.now() ^ (process.pid << 16)) >>> 0;
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`${variable} must be a whole number below 2^32, got ${given}`);
  return seed;
}

/** mulberry32: a tiny, good-enough 32-bit PRNG; the same seed gives the same sequence. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }

  /** A [name, value] entry of a table, picked at random. */
  entry<T>(table: Record<string, T>): [string, T] {
    return this.pick(Object.entries(table));
  }

  shuffle<T>(list: readonly T[]): T[] {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }
}

/** JSON text put into a body as is, wherever it sits in a value given to jsonText. */
export class RawJson {
  constructor(readonly text: string) {}
}
export const raw = (text: string) => new RawJson(text);

/** JSON.stringify, except that RawJson values are written as their text. */
export function jsonText(value: unknown): string {
  const pieces: string[] = [];
  const text = JSON.stringify(value, (_key, item: unknown) => (item instanceof RawJson ? `\u0000raw${pieces.push(item.text) - 1}\u0000` : item));
  return (text ?? '').replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index: string) => pieces[Number(index)]);
}

export type Shape = 'objects' | 'arrays' | 'mixed';
export const SHAPES: Shape[] = ['objects', 'arrays', 'mixed'];

/** `depth` containers inside each other, built as text (a 10,000-deep value is 20 to 60 KB). */
export function nested(depth: number, shape: Shape, innermost = '0'): RawJson {
  const openers: string[] = [];
  const closers: string[] = [];
  for (let level = 0; level < depth; level++) {
    const array = shape === 'arrays' || (shape === 'mixed' && level % 2 === 1);
    openers.push(array ? '[' : '{"a":');
    closers.push(array ? ']' : '}');
  }
  return raw(openers.join('') + innermost + closers.reverse().join(''));
}

/** A nested value that is itself an object (where a field must hold one): `depth` levels in all. */
export const nestedObject = (depth: number, shape: Shape) => (shape === 'arrays' ? raw(`{"a":${nested(depth - 1, 'arrays').text}}`) : nested(depth, shape));

/** A string's UTF-8 bytes as a latin1 string, for writing raw non-ASCII bytes into a request head. */
export const utf8Bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
