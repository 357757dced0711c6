import { Controller, Get, Param, Query } from '@nestjs/common';
import { attemptOut, ListQuery, ListQuerySchema, ListResponse } from '@herald/api';
import { ApplicationService, AttemptService, EndpointService, MessageService, Page } from '@herald/domain';
import { ZodPipe } from '@herald/platform';
import type { MessageAttempt } from '@herald/persistence';

@Controller('api/v1/app/:appId/attempt')
export class AttemptController {
  constructor(
    private readonly applications: ApplicationService,
    private readonly endpoints: EndpointService,
    private readonly messages: MessageService,
    private readonly attempts: AttemptService,
  ) {}

  @Get('endpoint/:endpointId')
  async byEndpoint(@Param('appId') appId: string, @Param('endpointId') endpointId: string, @Query(new ZodPipe(ListQuerySchema, 'query')) query: ListQuery) {
    const application = await this.applications.get(appId);
    const endpoint = await this.endpoints.get(application.id, endpointId);
    return listOf(await this.attempts.listByEndpoint(application.id, endpoint.id, query));
  }

  @Get('msg/:msgId')
  async byMessage(@Param('appId') appId: string, @Param('msgId') msgId: string, @Query(new ZodPipe(ListQuerySchema, 'query')) query: ListQuery) {
    const application = await this.applications.get(appId);
    const message = await this.messages.get(application.id, msgId);
    return listOf(await this.attempts.listByMessage(application.id, message.id, query));
  }
}

function listOf(page: Page<MessageAttempt>): ListResponse<ReturnType<typeof attemptOut>> {
  return { data: page.items.map(attemptOut), iterator: page.next, prevIterator: null, done: page.next === null };
}
