export * from './api-errors';
export * from './auth';
export * from './bootstrap';
export * from './health.controller';
export * from './herald.module';
export * from './http';
export * from './svix-error.filter';
export * from './schema-validation.pipe';
