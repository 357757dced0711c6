import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { DomainModule } from '@herald/domain';
import { Metrics } from '@herald/live';
import { QueueName } from '@herald/queue';
import { ApplicationController } from './application.controller';
import { AttemptController } from './attempt.controller';
import { BackgroundTaskController } from './background-task.controller';
import { EndpointController } from './endpoint.controller';
import { EnvironmentController } from './environment.controller';
import { EventTypeController } from './event-type.controller';
import { LiveEventReader } from './live/live-event.reader';
import { LiveBus } from './live/live-bus';
import { StatsTicker } from './live/stats.ticker';
import { StreamController } from './live/stream.controller';
import { StreamSlots } from './live/stream-slots';
import { ApplicationPipe } from './application.param';
import { MessageController } from './message.controller';
import { NotSupportedController } from './not-supported.controller';
import { OperationalWebhookEndpointController } from './operational-webhook-endpoint.controller';
import { BULL_BOARD_ROUTE, BullBoardAuth } from './operator/bull-board-auth';
import { SessionController } from './operator/session.controller';
import { StatisticsController } from './statistics.controller';
import { AdminUi } from './ui/admin-ui';
import { PortalUi } from './ui/portal-ui';
import { ApiKeyController } from './access/api-key.controller';
import { IntegrationController } from './access/integration.controller';
import { PortalAccessController } from './access/portal-access.controller';

/** The management API (everything but message creation), live streams, Bull Board, and the admin UI. */
@Module({
  imports: [
    DomainModule,
    // Every open stream listens on the bus: no listener limit (the default 10 warns at the 11th stream).
    EventEmitterModule.forRoot({ maxListeners: 0 }),
    BullBoardModule.forRoot({ route: BULL_BOARD_ROUTE, adapter: BullBoardFastifyAdapter }),
    BullBoardModule.forFeature(...Object.values(QueueName).map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
  controllers: [
    ApplicationController,
    EventTypeController,
    EnvironmentController,
    EndpointController,
    MessageController,
    AttemptController,
    StreamController,
    SessionController,
    PortalAccessController,
    ApiKeyController,
    IntegrationController,
    BackgroundTaskController,
    OperationalWebhookEndpointController,
    StatisticsController,
    NotSupportedController,
  ],
  providers: [LiveBus, LiveEventReader, StatsTicker, StreamSlots, BullBoardAuth, AdminUi, PortalUi, ApplicationPipe],
})
export class AdminModule {
  // Queue depths are global: the admin app exports them, not every ingest and delivery replica.
  constructor(metrics: Metrics) {
    metrics.exportQueueDepths();
  }
}
