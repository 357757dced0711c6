import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  AttemptedQuery,
  AttemptedQuerySchema,
  AttemptListQuery,
  AttemptListQuerySchema,
  attemptOut,
  endpointMessageOut,
  listResponse,
  messageEndpointOut,
} from '@herald/api';
import { ApplicationService, AttemptService, EndpointService, MessageService, RedeliveryService } from '@herald/domain';

/** The attempt log and per-endpoint delivery state, and resend. */
@Controller('api/v1/app/:app_id')
export class AttemptController {
  constructor(
    private readonly applications: ApplicationService,
    private readonly endpoints: EndpointService,
    private readonly messages: MessageService,
    private readonly attempts: AttemptService,
    private readonly redelivery: RedeliveryService,
  ) {}

  @Get('attempt/endpoint/:endpoint_id')
  async byEndpoint(
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Query({ schema: AttemptListQuerySchema }) query: AttemptListQuery,
  ) {
    const application = await this.applications.get(appId);
    const endpoint = await this.endpoints.get(application.id, endpointId);
    return listResponse(await this.attempts.listByEndpoint(application.id, endpoint.id, query), attemptOut);
  }

  @Get('attempt/msg/:msg_id')
  async byMessage(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query({ schema: AttemptListQuerySchema }) query: AttemptListQuery) {
    const application = await this.applications.get(appId);
    const message = await this.messages.get(application.id, msgId);
    if (query.endpoint_id) query.endpoint_id = (await this.endpoints.get(application.id, query.endpoint_id)).id;
    return listResponse(await this.attempts.listByMessage(application.id, message.id, query), attemptOut);
  }

  @Get('msg/:msg_id/attempt/:attempt_id')
  async get(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Param('attempt_id') attemptId: string) {
    const application = await this.applications.get(appId);
    const message = await this.messages.get(application.id, msgId);
    return attemptOut(await this.attempts.get(application.id, message.id, attemptId));
  }

  @Get('endpoint/:endpoint_id/msg')
  async attemptedMessages(
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Query({ schema: AttemptedQuerySchema }) query: AttemptedQuery,
  ) {
    const application = await this.applications.get(appId);
    const endpoint = await this.endpoints.get(application.id, endpointId);
    return listResponse(await this.attempts.attemptedMessages(application.id, endpoint.id, query), ({ message, delivery }) =>
      endpointMessageOut(message, delivery),
    );
  }

  @Get('msg/:msg_id/endpoint')
  async attemptedDestinations(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query({ schema: AttemptedQuerySchema }) query: AttemptedQuery) {
    const application = await this.applications.get(appId);
    const message = await this.messages.get(application.id, msgId);
    return listResponse(await this.attempts.attemptedDestinations(application.id, message.id, query), ({ endpoint, delivery }) =>
      messageEndpointOut(endpoint, delivery),
    );
  }

  /** A new, manual attempt of the message to the endpoint, with the same webhook-id. Answers `{}`, as Svix does. */
  @Post('msg/:msg_id/endpoint/:endpoint_id/resend')
  @HttpCode(202)
  async resend(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Param('endpoint_id') endpointId: string): Promise<Record<string, never>> {
    const application = await this.applications.get(appId);
    const [message, endpoint] = await Promise.all([this.messages.get(application.id, msgId), this.endpoints.get(application.id, endpointId)]);
    await this.redelivery.resend(message, endpoint);
    return {};
  }
}
