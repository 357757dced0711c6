export * from './health.controller';
export * from './redis.health';
