import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { MessageIn, MessageInSchema, messageOut } from '@herald/api';
import { ApplicationService, MessageService } from '@herald/domain';
import { ZodPipe } from '@herald/platform';

/** The hot write path: accept a message, make it durable, hand it to fan-out. */
@Controller('api/v1/app/:appId/msg')
export class MessageIngestController {
  constructor(
    private readonly applications: ApplicationService,
    private readonly messages: MessageService,
  ) {}

  @Post()
  @HttpCode(202)
  async create(@Param('appId') appId: string, @Body(new ZodPipe(MessageInSchema)) input: MessageIn, @Query('with_content') withContent?: string) {
    const application = await this.applications.get(appId);
    const message = await this.messages.create(application.id, input);
    return messageOut(message, withContent !== 'false');
  }
}
