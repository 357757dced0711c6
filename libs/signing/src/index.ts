export * from './signing';
export * from './secrets';
