import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  backgroundTaskOut,
  BackgroundTaskOutSchema,
  BulkExpungeIn,
  BulkExpungeInSchema,
  BulkExpungeOutSchema,
  listOf,
  listResponse,
  MessageListQuery,
  MessageListQuerySchema,
  messageOut,
  MessageOutSchema,
  MessagePrecheckIn,
  MessagePrecheckInSchema,
  MessagePrecheckOutSchema,
  WithContentQuerySchema,
} from '@herald/api';
import { BackgroundTaskService, MessageService } from '@herald/domain';
import type { Application } from '@herald/persistence';
import { AppScoped, ChangesNothing, Returns, ReturnsNothing } from '@herald/platform';
import { AppParam } from './application.param';

/** Reading messages and forgetting their content; creating them is ingest's (apps/ingest). */
@Controller('api/v1/app/:app_id/msg')
export class MessageController {
  constructor(
    private readonly messages: MessageService,
    private readonly tasks: BackgroundTaskService,
  ) {}

  @Get()
  @Returns(listOf(MessageOutSchema))
  @AppScoped()
  async list(@AppParam() application: Application, @Query({ schema: MessageListQuerySchema }) { page, filter, withContent }: MessageListQuery) {
    return listResponse(await this.messages.list(application.id, filter, page), (message) => messageOut(message, withContent));
  }

  /** Whether a message of this event type and channels would reach any endpoint; nothing is sent. */
  @Post('precheck/active')
  @Returns(MessagePrecheckOutSchema)
  @HttpCode(200)
  @ChangesNothing()
  async precheck(@AppParam() application: Application, @Body({ schema: MessagePrecheckInSchema }) input: MessagePrecheckIn) {
    return { active: await this.messages.precheck(application.id, { eventType: input.eventType, channels: input.channels ?? null }) };
  }

  @Post('bulk-expunge')
  @Returns(BulkExpungeOutSchema)
  @HttpCode(200)
  async bulkExpunge(@AppParam() application: Application, @Body({ schema: BulkExpungeInSchema }) input: BulkExpungeIn) {
    return { results: await this.messages.expungeMany(application.id, input.ids ?? []) };
  }

  @Post('expunge-all-contents')
  @Returns(BackgroundTaskOutSchema, 202)
  @HttpCode(202)
  async expungeAll(@AppParam() application: Application) {
    return backgroundTaskOut(
      await this.tasks.run('application.purge_content', application.id, async () => ({ messagesPurged: await this.messages.expungeAll(application.id) })),
    );
  }

  @Get(':msg_id')
  @Returns(MessageOutSchema)
  @AppScoped()
  async get(
    @AppParam() application: Application,
    @Param('msg_id') msgId: string,
    @Query({ schema: WithContentQuerySchema }) { withContent }: { withContent: boolean },
  ) {
    return messageOut(await this.messages.get(application.id, msgId), withContent);
  }

  @Delete(':msg_id/content')
  @ReturnsNothing()
  @HttpCode(204)
  async expungeContent(@AppParam() application: Application, @Param('msg_id') msgId: string): Promise<void> {
    await this.messages.expungeContent(application.id, msgId);
  }
}
