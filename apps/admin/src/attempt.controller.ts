import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  AttemptedQuery,
  AttemptedQuerySchema,
  AttemptListQuery,
  AttemptListQuerySchema,
  attemptOut,
  AttemptOutSchema,
  EmptyOutSchema,
  endpointMessageOut,
  EndpointMessageOutSchema,
  listOf,
  listResponse,
  messageEndpointOut,
  MessageEndpointOutSchema,
} from '@herald/api';
import { AttemptService, EndpointService, MessageService, RedeliveryService } from '@herald/domain';
import type { Application, MessageAttempt, Page } from '@herald/persistence';
import { AppScoped, Returns, ReturnsNothing } from '@herald/platform';
import { AppParam } from './application.param';

/** The attempt log and per-endpoint delivery state, and resend. */
@Controller('api/v1/app/:app_id')
export class AttemptController {
  constructor(
    private readonly endpoints: EndpointService,
    private readonly messages: MessageService,
    private readonly attempts: AttemptService,
    private readonly redelivery: RedeliveryService,
  ) {}

  @Get('attempt/endpoint/:endpoint_id')
  @Returns(listOf(AttemptOutSchema))
  @AppScoped()
  async byEndpoint(
    @AppParam() application: Application,
    @Param('endpoint_id') endpointId: string,
    @Query({ schema: AttemptListQuerySchema }) query: AttemptListQuery,
  ) {
    const endpoint = await this.endpoints.get(application.id, endpointId);
    return this.withMessages(application, await this.attempts.listByEndpoint(application.id, endpoint.id, query.filter, query.page), query);
  }

  @Get('attempt/msg/:msg_id')
  @Returns(listOf(AttemptOutSchema))
  @AppScoped()
  async byMessage(@AppParam() application: Application, @Param('msg_id') msgId: string, @Query({ schema: AttemptListQuerySchema }) query: AttemptListQuery) {
    const message = await this.messages.get(application.id, msgId);
    const endpointId = query.filter.endpointId && (await this.endpoints.get(application.id, query.filter.endpointId)).id;
    return this.withMessages(application, await this.attempts.listByMessage(application.id, message.id, { ...query.filter, endpointId }, query.page), query);
  }

  @Get('msg/:msg_id/attempt/:attempt_id')
  @Returns(AttemptOutSchema)
  @AppScoped()
  async get(@AppParam() application: Application, @Param('msg_id') msgId: string, @Param('attempt_id') attemptId: string) {
    const message = await this.messages.get(application.id, msgId);
    return attemptOut(await this.attempts.get(application.id, message.id, attemptId));
  }

  @Get('endpoint/:endpoint_id/msg')
  @Returns(listOf(EndpointMessageOutSchema))
  @AppScoped()
  async attemptedMessages(
    @AppParam() application: Application,
    @Param('endpoint_id') endpointId: string,
    @Query({ schema: AttemptedQuerySchema }) { page, filter, withContent }: AttemptedQuery,
  ) {
    const endpoint = await this.endpoints.get(application.id, endpointId);
    return listResponse(await this.attempts.attemptedMessages(application.id, endpoint.id, filter, page), ({ message, delivery }) =>
      endpointMessageOut(message, delivery, withContent),
    );
  }

  @Get('msg/:msg_id/endpoint')
  @Returns(listOf(MessageEndpointOutSchema))
  @AppScoped()
  async attemptedDestinations(
    @AppParam() application: Application,
    @Param('msg_id') msgId: string,
    @Query({ schema: AttemptedQuerySchema }) { page, filter }: AttemptedQuery,
  ) {
    const message = await this.messages.get(application.id, msgId);
    return listResponse(await this.attempts.attemptedDestinations(application.id, message.id, filter, page), ({ endpoint, delivery }) =>
      messageEndpointOut(endpoint, delivery),
    );
  }

  @Delete('msg/:msg_id/attempt/:attempt_id/content')
  @ReturnsNothing()
  @HttpCode(204)
  async expungeContent(@AppParam() application: Application, @Param('msg_id') msgId: string, @Param('attempt_id') attemptId: string): Promise<void> {
    const message = await this.messages.get(application.id, msgId);
    await this.attempts.expungeContent(application.id, message.id, attemptId);
  }

  /** A new, manual attempt of the message to the endpoint, with the same webhook-id. Answers `{}`, as Svix does. */
  @Post('msg/:msg_id/endpoint/:endpoint_id/resend')
  @Returns(EmptyOutSchema, 202)
  @AppScoped('CreateAttempts')
  @HttpCode(202)
  async resend(@AppParam() application: Application, @Param('msg_id') msgId: string, @Param('endpoint_id') endpointId: string): Promise<Record<string, never>> {
    const [message, endpoint] = await Promise.all([this.messages.get(application.id, msgId), this.endpoints.get(application.id, endpointId)]);
    await this.redelivery.resend(message, endpoint);
    return {};
  }

  /** A page of attempts as Svix lists them, each with its message when asked (`with_msg`), read for the whole page at once. */
  private async withMessages(application: Application, page: Page<MessageAttempt>, { withMessage, withContent }: AttemptListQuery) {
    const messages = withMessage
      ? await this.messages.byIds(
          application.id,
          page.items.map((attempt) => attempt.messageId),
        )
      : undefined;
    return listResponse(page, (attempt) => attemptOut(attempt, messages && { message: messages.get(attempt.messageId), withContent }));
  }
}
