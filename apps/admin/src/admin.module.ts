import { Module } from '@nestjs/common';
import { DomainModule } from '@herald/domain';
import { ApplicationController } from './application.controller';
import { AttemptController } from './attempt.controller';
import { EndpointController } from './endpoint.controller';
import { EventTypeController } from './event-type.controller';
import { MessageController } from './message.controller';

/** The management API (everything but message creation). */
@Module({ imports: [DomainModule], controllers: [ApplicationController, EventTypeController, EndpointController, MessageController, AttemptController] })
export class AdminModule {}
