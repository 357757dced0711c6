import type { JobsOptions, Queue } from 'bullmq';

/**
 * Makes sure a job with this id will run: adds it when Redis has none (lost, flushed), retries it when it
 * failed, replaces it when it completed without the work being done. A waiting, delayed or active job is
 * left alone. This is how work the database says is due gets back into Redis.
 */
export async function ensureJob<T>(queue: Queue<T>, name: string, data: T, opts: JobsOptions & { jobId: string }): Promise<'added' | 'retried' | 'present'> {
  const job = await queue.getJob(opts.jobId);
  if (job) {
    const state = await job.getState();
    if (state === 'failed') {
      await job.retry();
      return 'retried';
    }
    if (state !== 'completed') return 'present';
    await job.remove();
  }
  await queue.add(name as never, data as never, opts);
  return 'added';
}
