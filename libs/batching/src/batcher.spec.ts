import { Batcher } from './batcher';

describe('Batcher', () => {
  /** A batcher whose flushes are recorded and answer each item doubled (or an Error for negative items). */
  function doubling(options = { maxBatch: 100, concurrency: 1 }) {
    const flushes: number[][] = [];
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    const batcher = new Batcher<number, number>(async (items) => {
      flushes.push(items);
      await gate;
      return items.map((item) => (item < 0 ? new Error(`bad ${item}`) : item * 2));
    }, options);
    return {
      batcher,
      flushes,
      hold: () => (gate = new Promise((resolve) => (release = resolve))),
      release: () => release(),
    };
  }

  it('flushes what is submitted in the same turn together, answering each caller with its own result', async () => {
    const { batcher, flushes } = doubling();
    await expect(Promise.all([1, 2, 3].map((n) => batcher.submit(n)))).resolves.toEqual([2, 4, 6]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('gathers what arrives while a flush runs into the next one, at most maxBatch at a time', async () => {
    const { batcher, flushes, hold, release } = doubling({ maxBatch: 2, concurrency: 1 });
    hold();
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4, 5].map((n) => batcher.submit(n));
    release();
    await expect(Promise.all([first, ...later])).resolves.toEqual([2, 4, 6, 8, 10]);
    expect(flushes).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('fails only the caller whose item the flush answered with an Error', async () => {
    const { batcher } = doubling();
    const results = await Promise.allSettled([batcher.submit(1), batcher.submit(-1), batcher.submit(3)]);
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual([2, 'bad -1', 6]);
  });

  it('fails every caller of a batch whose flush throws, and goes on with the next batch', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (calls++ === 0) throw new Error('database down');
        return items;
      },
      { maxBatch: 10, concurrency: 1 },
    );
    const failed = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.submit(3)).resolves.toBe(3);
  });
});
