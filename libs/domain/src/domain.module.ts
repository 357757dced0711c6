import { Module } from '@nestjs/common';
import { ApplicationService } from './applications/application.service';
import { AttemptService } from './attempts/attempt.service';
import { BackgroundTaskService } from './background-tasks/background-task.service';
import { AttemptFollowUp } from './delivery/attempt-follow-up.service';
import { DeliveryScheduler } from './delivery/delivery-scheduler.service';
import { DeliveryService } from './delivery/delivery.service';
import { FirstAttempts } from './delivery/first-attempts.service';
import { WebhookClient } from './delivery/webhook-client.service';
import { EndpointGate } from './endpoints/endpoint-gate.service';
import { EndpointHealth } from './endpoints/endpoint-health.service';
import { EndpointService } from './endpoints/endpoint.service';
import { EventTypeService } from './event-types/event-type.service';
import { IdempotencyService } from './idempotency/idempotency.service';
import { MessageIntake } from './messages/message-intake.service';
import { MessageService } from './messages/message.service';
import { OperationalEndpoints } from './operational-webhooks/operational-endpoint.service';
import { OperationalWebhooks } from './operational-webhooks/operational-webhook.service';
import { ReconciliationService } from './reconciliation/reconciliation.service';
import { RetentionService } from './reconciliation/retention.service';
import { RedeliveryService } from './redelivery/redelivery.service';

const SERVICES = [
  ApplicationService,
  AttemptService,
  AttemptFollowUp,
  BackgroundTaskService,
  DeliveryScheduler,
  DeliveryService,
  EndpointGate,
  EndpointHealth,
  EndpointService,
  EventTypeService,
  FirstAttempts,
  IdempotencyService,
  MessageIntake,
  MessageService,
  OperationalEndpoints,
  OperationalWebhooks,
  ReconciliationService,
  RedeliveryService,
  RetentionService,
  WebhookClient,
];

/** Every domain service; relies on the global config, persistence, queue and live modules. */
@Module({ providers: SERVICES, exports: SERVICES })
export class DomainModule {}
