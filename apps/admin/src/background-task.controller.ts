import { Controller, Get, Param, Query } from '@nestjs/common';
import { BackgroundTaskListQuery, BackgroundTaskListQuerySchema, backgroundTaskOut, listResponse } from '@herald/api';
import { BackgroundTaskService } from '@herald/domain';

/** Long operations (recover, replays, purges, statistics), by the `qtask_` id their answer gave. */
@Controller('api/v1/background-task')
export class BackgroundTaskController {
  constructor(private readonly tasks: BackgroundTaskService) {}

  @Get()
  async list(@Query({ schema: BackgroundTaskListQuerySchema }) { page, filter }: BackgroundTaskListQuery) {
    return listResponse(await this.tasks.list(filter, page), backgroundTaskOut);
  }

  @Get(':task_id')
  async get(@Param('task_id') taskId: string) {
    return backgroundTaskOut(await this.tasks.get(taskId));
  }
}
