export type * from './live';
export type * from './rest';
