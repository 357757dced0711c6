import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { MessageIn, MessageInSchema, messageOut, WithContentQuerySchema } from '@herald/api';
import { MessageService } from '@herald/domain';

/** The hot write path: accept a message, make it durable, hand it to fan-out. */
@Controller('api/v1/app/:app_id/msg')
export class MessageIngestController {
  constructor(private readonly messages: MessageService) {}

  @Post()
  @HttpCode(202)
  async create(
    @Param('app_id') appId: string,
    @Body({ schema: MessageInSchema }) input: MessageIn,
    @Query({ schema: WithContentQuerySchema }) query: { with_content: boolean },
  ) {
    const message = await this.messages.create(appId, input);
    return messageOut(message, query.with_content);
  }
}
