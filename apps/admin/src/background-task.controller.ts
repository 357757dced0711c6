import { Controller, Get, Param, Query } from '@nestjs/common';
import { BackgroundTaskListQuery, BackgroundTaskListQuerySchema, backgroundTaskOut, BackgroundTaskOutSchema, listOf, listResponse } from '@herald/api';
import { BackgroundTaskService } from '@herald/domain';

/** Long operations (recover, replays, purges, statistics), by the `qtask_` id their answer gave. */
import { Returns } from '@herald/platform';
@Controller('api/v1/background-task')
export class BackgroundTaskController {
  constructor(private readonly tasks: BackgroundTaskService) {}

  @Get()
  @Returns(listOf(BackgroundTaskOutSchema))
  async list(@Query({ schema: BackgroundTaskListQuerySchema }) { page, filter }: BackgroundTaskListQuery) {
    return listResponse(await this.tasks.list(filter, page), backgroundTaskOut);
  }

  @Get(':task_id')
  @Returns(BackgroundTaskOutSchema)
  async get(@Param('task_id') taskId: string) {
    return backgroundTaskOut(await this.tasks.get(taskId));
  }
}
