import { Controller, Get, Param, Query } from '@nestjs/common';
import { listResponse, MessageListQuery, MessageListQuerySchema, messageOut, WithContentQuerySchema } from '@herald/api';
import { ApplicationService, MessageService } from '@herald/domain';

/** Reading messages; creating them is ingest's (apps/ingest). */
@Controller('api/v1/app/:app_id/msg')
export class MessageController {
  constructor(
    private readonly applications: ApplicationService,
    private readonly messages: MessageService,
  ) {}

  @Get()
  async list(@Param('app_id') appId: string, @Query({ schema: MessageListQuerySchema }) query: MessageListQuery) {
    const application = await this.applications.get(appId);
    return listResponse(await this.messages.list(application.id, query), (message) => messageOut(message, query.with_content));
  }

  @Get(':msg_id')
  async get(@Param('app_id') appId: string, @Param('msg_id') msgId: string, @Query({ schema: WithContentQuerySchema }) query: { with_content: boolean }) {
    const application = await this.applications.get(appId);
    return messageOut(await this.messages.get(application.id, msgId), query.with_content);
  }
}
