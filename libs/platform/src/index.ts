export * from './api-errors';
export * from './api-token.guard';
export * from './bootstrap';
export * from './health.controller';
export * from './herald.module';
export * from './idempotency.hooks';
export * from './svix-error.filter';
export * from './schema-validation.pipe';
