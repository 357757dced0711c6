import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { MessageIn, MessageInSchema, messageOut, MessageOutSchema, WithContentQuerySchema } from '@herald/api';
import { MessageIntake } from '@herald/domain';

/** The hot write path: accept a message, durable with its deliveries before the 202. */
import { Returns } from '@herald/platform';
@Controller('api/v1/app/:app_id/msg')
export class MessageIngestController {
  constructor(private readonly intake: MessageIntake) {}

  /** The application is resolved inside the intake, for many concurrent requests at once. */
  @Post()
  @Returns(MessageOutSchema, 202)
  @HttpCode(202)
  async create(
    @Param('app_id') appId: string,
    @Body({ schema: MessageInSchema }) input: MessageIn,
    @Query({ schema: WithContentQuerySchema }) { withContent }: { withContent: boolean },
  ) {
    return messageOut(await this.intake.accept(appId, input), withContent);
  }
}
