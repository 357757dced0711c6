export * from './raw-json';
export * from './responses';
export * from './schemas';
export * from './response-schemas';
