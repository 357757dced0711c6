export * from './application.repository';
export * from './attempt.repository';
export * from './background-task.repository';
export * from './delivery.repository';
export * from './endpoint.repository';
export * from './event-type.repository';
export * from './idempotency.repository';
export * from './message.repository';
export { EXPUNGED } from './retention';
