import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { EnvironmentIn, EnvironmentInSchema, EnvironmentOutSchema, eventTypeOut } from '@herald/api';
import { EventTypeService } from '@herald/domain';
import { ChangesNothing, Returns, ReturnsNothing } from '@herald/platform';

/** The format of the export; Svix's EnvironmentOut starts at 1. */
const ENVIRONMENT_VERSION = 1;

/**
 * Svix's environment export and import: the event type catalogue as one JSON document, to copy between
 * Herald instances (or from Svix). Herald has no environment settings or connectors: export answers
 * `settings: null` and `connectors: []`, import accepts and ignores them.
 */
@Controller('api/v1/environment')
export class EnvironmentController {
  constructor(private readonly eventTypes: EventTypeService) {}

  @Post('export')
  @Returns(EnvironmentOutSchema)
  @ChangesNothing()
  @HttpCode(200)
  async export() {
    const eventTypes = await this.eventTypes.all();
    return {
      version: ENVIRONMENT_VERSION,
      createdAt: new Date().toISOString(),
      eventTypes: eventTypes.map((eventType) => eventTypeOut(eventType)),
      settings: null,
      connectors: [],
    };
  }

  /** Creates or updates the event types given (as PUT does), in one transaction; deletes nothing. */
  @Post('import')
  @ReturnsNothing()
  @HttpCode(204)
  async import(@Body({ schema: EnvironmentInSchema }) input: EnvironmentIn): Promise<void> {
    await this.eventTypes.upsertAll(input?.eventTypes ?? []);
  }
}
