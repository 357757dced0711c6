/**
 * Group commit for the hot path: callers submit one item each, and `flush` runs over everything submitted
 * in the same turn of the event loop or while an earlier flush was running, `maxBatch` at a time. Under
 * load, dozens of concurrent deliveries share one transaction or one query; alone, an item flushes on the
 * next turn of the event loop (no timer).
 *
 * `flush` answers each item in order: a value, or an Error that fails only that item's caller. If `flush`
 * throws, every caller of that batch gets the error.
 */
export class Batcher<In, Out> {
  private waiting: { item: In; resolve: (value: Out) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly flush: (items: In[]) => Promise<(Out | Error)[]>,
    private readonly options: { maxBatch: number; concurrency: number },
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.scheduled && this.running < this.options.concurrency) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.running < this.options.concurrency) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.running++;
      this.run(batch).finally(() => {
        this.running--;
        this.drain();
      });
    }
  }

  private async run(batch: Batcher<In, Out>['waiting']): Promise<void> {
    try {
      const results = await this.flush(batch.map(({ item }) => item));
      batch.forEach(({ resolve, reject }, i) => (results[i] instanceof Error ? reject(results[i]) : resolve(results[i] as Out)));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }
}
