export * from './latency-histogram';
export * from './live-events';
export * from './live-feed';
export * from './live.module';
export * from './metrics';
