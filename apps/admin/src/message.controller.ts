import { Controller, Get, Param, Query } from '@nestjs/common';
import { messageOut } from '@herald/api';
import { ApplicationService, MessageService } from '@herald/domain';

@Controller('api/v1/app/:appId/msg')
export class MessageController {
  constructor(
    private readonly applications: ApplicationService,
    private readonly messages: MessageService,
  ) {}

  @Get(':msgId')
  async get(@Param('appId') appId: string, @Param('msgId') msgId: string, @Query('with_content') withContent?: string) {
    const application = await this.applications.get(appId);
    return messageOut(await this.messages.get(application.id, msgId), withContent !== 'false');
  }
}
