export * from './data-source';
export * from './entities';
export * from './migrations';
export * from './persistence.module';
export * from './transactions';
export * from './rows';
