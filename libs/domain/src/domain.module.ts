import { Module } from '@nestjs/common';
import { ApplicationService } from './application.service';
import { AttemptService } from './attempt.service';
import { DeliveryScheduler } from './delivery-scheduler';
import { DeliveryService } from './delivery.service';
import { EndpointGate } from './endpoint-gate';
import { EndpointHealth } from './endpoint-health';
import { EndpointService } from './endpoint.service';
import { EventTypeService } from './event-type.service';
import { FanoutService } from './fanout.service';
import { IdempotencyService } from './idempotency.service';
import { MessageService } from './message.service';
import { RecoveryService } from './recovery.service';
import { RedeliveryService } from './redelivery.service';
import { WebhookClient } from './webhook-client';

const SERVICES = [
  ApplicationService,
  AttemptService,
  DeliveryScheduler,
  DeliveryService,
  EndpointGate,
  EndpointHealth,
  EndpointService,
  EventTypeService,
  FanoutService,
  IdempotencyService,
  MessageService,
  RecoveryService,
  RedeliveryService,
  WebhookClient,
];

/** Every domain service; relies on the global config, persistence and queue modules. */
@Module({ providers: SERVICES, exports: SERVICES })
export class DomainModule {}
