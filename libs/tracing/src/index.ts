export * from './attributes';
export * from './context';
export * from './sdk';
