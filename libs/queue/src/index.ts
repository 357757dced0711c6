export * from './ensure-job';
export * from './queue-depths';
export * from './queue-worker';
export * from './queue.module';
export * from './queues';
export * from './redis';
