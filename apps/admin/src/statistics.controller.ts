import { Body, Controller, HttpCode, Post, Put } from '@nestjs/common';
import { AppUsageStatsIn, AppUsageStatsInSchema, AppUsageStatsOutSchema, backgroundTaskOut, BackgroundTaskOutSchema } from '@herald/api';
import { StatisticsService } from '@herald/domain';
import { Returns } from '@herald/platform';

/** Svix's usage statistics over every application: background tasks, finished by the answer, whose `data` holds the result. */
@Controller('api/v1/stats/usage')
export class StatisticsController {
  constructor(private readonly statistics: StatisticsService) {}

  /** `application.stats`: message destinations by application in [since, until); `data.appStats`. */
  @Post('app')
  @Returns(AppUsageStatsOutSchema, 202)
  @HttpCode(202)
  async appStats(@Body({ schema: AppUsageStatsInSchema }) input: AppUsageStatsIn) {
    const { task, unresolvedAppIds } = await this.statistics.appUsage(input.since, input.until, input.appIds);
    return { ...backgroundTaskOut(task), unresolvedAppIds };
  }

  /** `event-type.aggregate`: the event types each application's endpoints subscribe to; `data.event_types`. */
  @Put('event-types')
  @Returns(BackgroundTaskOutSchema, 202)
  @HttpCode(202)
  async eventTypes() {
    return backgroundTaskOut(await this.statistics.eventTypeUsage());
  }
}
