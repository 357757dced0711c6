import { AccessToken } from './access-token.entity';
import { Application } from './application.entity';
import { BackgroundTask } from './background-task.entity';
import { Delivery } from './delivery.entity';
import { Endpoint } from './endpoint.entity';
import { EventType } from './event-type.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { Integration } from './integration.entity';
import { Message } from './message.entity';
import { MessageAttempt } from './message-attempt.entity';

export * from './access-token.entity';
export * from './application.entity';
export * from './background-task.entity';
export * from './delivery.entity';
export * from './endpoint.entity';
export * from './event-type.entity';
export * from './idempotency-key.entity';
export * from './integration.entity';
export * from './message.entity';
export * from './message-attempt.entity';

export const ENTITIES = [Application, Endpoint, EventType, Message, Delivery, MessageAttempt, IdempotencyKey, BackgroundTask, AccessToken, Integration];
