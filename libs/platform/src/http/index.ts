export * from './idempotency.hooks';
export * from './json-body';
export * from './rate-limit';
export * from './security-headers';
export * from './send-error';
export * from './trace-requests';
export * from './request-logging';
export * from './request-metrics';
