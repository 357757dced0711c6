import { Controller, Get, Param, Query } from '@nestjs/common';
import { listResponse, MessageListQuery, MessageListQuerySchema, messageOut, WithContentQuerySchema } from '@herald/api';
import { MessageService } from '@herald/domain';
import type { Application } from '@herald/persistence';
import { AppParam } from './application.param';

/** Reading messages; creating them is ingest's (apps/ingest). */
@Controller('api/v1/app/:app_id/msg')
export class MessageController {
  constructor(private readonly messages: MessageService) {}

  @Get()
  async list(@AppParam() application: Application, @Query({ schema: MessageListQuerySchema }) { page, filter, withContent }: MessageListQuery) {
    return listResponse(await this.messages.list(application.id, filter, page), (message) => messageOut(message, withContent));
  }

  @Get(':msg_id')
  async get(
    @AppParam() application: Application,
    @Param('msg_id') msgId: string,
    @Query({ schema: WithContentQuerySchema }) { withContent }: { withContent: boolean },
  ) {
    return messageOut(await this.messages.get(application.id, msgId), withContent);
  }
}
