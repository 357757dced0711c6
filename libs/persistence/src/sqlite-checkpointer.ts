import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isMainThread, Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';

/** How often the background thread folds the WAL back into the database file. */
const CHECKPOINT_INTERVAL_MS = 1_000;
/** The main connection's own checkpoint, only if the background one falls behind: 20,000 pages (about 80 MB). */
const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;

/** Runs in the worker thread: its own connection to the file, a PASSIVE checkpoint (never blocks writers) each interval. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage(String(error && error.message)); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * SQLite in WAL mode copies the log back into the database file every 1,000 pages, inside whichever
 * commit crosses the line: on the hot path that was half of all commit time, and a stall of the event
 * loop each time. Here a worker thread with a connection of its own checkpoints every second instead, off
 * the main thread; the main connection keeps a far-off automatic checkpoint as a safety net.
 */
@Injectable()
export class SqliteCheckpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SqliteCheckpointer.name);
  private worker?: Worker;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onApplicationBootstrap(): void {
    const file = this.db.options.type === 'better-sqlite3' ? this.db.options.database : undefined;
    if (!file || file === ':memory:') return;
    (this.db.driver as unknown as { databaseConnection: { pragma(sql: string): unknown } }).databaseConnection.pragma(
      `wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`,
    );
    // One checkpointer per process: the all-in-one's delivery thread shares the main thread's.
    if (!isMainThread) return;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver: require.resolve('better-sqlite3'), intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    this.worker.on('message', (error: string) => this.logger.warn({ msg: 'WAL checkpoint failed; will retry', error }));
    this.worker.on('error', (error) => this.logger.error({ msg: 'WAL checkpointer stopped; the main connection checkpoints by itself', error: error.message }));
    this.worker.unref();
  }

  /** Lets the thread close its connection, at most 2 s; held (ref) meanwhile, or the process could exit mid-shutdown. */
  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    worker.ref();
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('stop');
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
    clearTimeout(timer);
    await worker.terminate();
  }
}
