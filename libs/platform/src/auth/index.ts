export * from './access-tokens';
export * from './api-token';
export * from './auth.guard';
export * from './authenticator';
export * from './integrations';
export * from './operator-sessions';
export * from './stream-tokens';
