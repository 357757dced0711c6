import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { DomainModule, FirstAttempts } from '@herald/domain';
import { Metrics, MetricsSnapshot } from '@herald/live';
import { sqliteWriteTurns } from '@herald/persistence';
import type { FirstAttemptsJob } from '@herald/queue';

/** What the main thread tells the delivery thread. */
export type ToDeliveryThread = ({ kind: 'first-attempts' } & FirstAttemptsJob) | { kind: 'metrics'; id: number } | { kind: 'stop' };
/** What the delivery thread answers. */
export type FromDeliveryThread = { kind: 'ready' } | { kind: 'metrics'; id: number; metrics: MetricsSnapshot };

/** A scrape does not wait longer than this for the delivery thread's metrics. */
const METRICS_WAIT_MS = 2_000;

/**
 * The all-in-one's delivery, on a worker thread of its own (apps/all-in-one/src/delivery-thread.ts runs the
 * delivery app there, as a delivery process would, with its own connections). Ingest, the API and the SSE
 * streams keep the main thread, and delivery gets the second core. Ingest's batches reach it as a message,
 * not a job; the reconciler still covers a batch the thread never took. If the thread dies, Herald stops as on
 * SIGTERM (and exits by that signal, a failure to any supervisor) rather than accept messages nothing delivers.
 */
@Injectable()
export class DeliveryThread implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryThread.name);
  private worker?: Worker;
  private exited?: Promise<unknown>;
  private stopping = false;
  private nextScrape = 0;
  private readonly scrapes = new Map<number, (metrics: MetricsSnapshot) => void>();

  constructor(
    private readonly firstAttempts: FirstAttempts,
    private readonly metrics: Metrics,
    private readonly config: HeraldConfig,
  ) {}

  /** Resolves once the thread is up (so "is up" means delivery is too); rejects if it cannot start. */
  async onApplicationBootstrap(): Promise<void> {
    const writeTurns = sqliteWriteTurns();
    const worker = new Worker(join(__dirname, 'delivery-thread.js'), { workerData: { sqliteWriteTurns: writeTurns?.buffer } });
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
    let started = false;
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromDeliveryThread) => {
        if (message.kind === 'ready') resolve();
        else this.scrapes.get(message.id)?.(message.metrics);
      });
      worker.on('error', (error) => (started ? this.logger.error({ msg: 'delivery thread failed', error: error.message }) : reject(error)));
      worker.on('exit', (code) => {
        writeTurns?.end(); // a write of its waiting for its turn, or holding it, would hold up the main thread's for ever
        if (!started) return reject(new Error(`the delivery thread exited with code ${code} while starting`));
        this.firstAttempts.makeOnThread(undefined);
        if (this.stopping) return;
        this.logger.error({ msg: 'delivery thread stopped unexpectedly; stopping Herald', code });
        process.kill(process.pid, 'SIGTERM');
      });
    });
    started = true;
    this.worker = worker;
    this.firstAttempts.makeOnThread((batch) => this.post({ kind: 'first-attempts', ...batch }));
    this.metrics.includeThread(() => this.threadMetrics());
  }

  /** After the HTTP server has closed (ingest has handed over its last batch): the thread finishes its attempts in flight, then exits. */
  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = true;
    this.firstAttempts.makeOnThread(undefined);
    this.post({ kind: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    // The thread waits up to HERALD_SHUTDOWN_TIMEOUT for its attempts in flight; past that (and a margin) it is cut off.
    await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, this.config.shutdownTimeoutMs + 5_000)))]);
    clearTimeout(timer);
    await worker.terminate();
  }

  private post(message: ToDeliveryThread): void {
    this.worker?.postMessage(message);
  }

  private threadMetrics(): Promise<MetricsSnapshot> {
    const id = this.nextScrape++;
    return new Promise<MetricsSnapshot>((resolve) => {
      const timer = setTimeout(() => resolve([]), METRICS_WAIT_MS);
      this.scrapes.set(id, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      this.post({ kind: 'metrics', id });
    }).finally(() => this.scrapes.delete(id));
  }
}

@Module({ imports: [DomainModule], providers: [DeliveryThread] })
export class DeliveryThreadModule {}
