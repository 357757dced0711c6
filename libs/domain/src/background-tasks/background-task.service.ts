import { Injectable, Logger } from '@nestjs/common';
import { BackgroundTask, BackgroundTaskRepository, BackgroundTaskStatus, BackgroundTaskType, Page, PageRequest } from '@herald/persistence';
import { found } from '../errors';
import { timeSortableId } from '../ids';

/** How far back the task list goes, as Svix's does. */
const LISTED_FOR_MS = 90 * 86_400_000;

/**
 * Long operations (recover, replays, purges, statistics) as background tasks that can be looked up by id
 * (`qtask_…`). Herald runs a task to its end within the request that started it, so the answer already
 * says whether it finished or failed, and what it did (`data`); the row keeps that for later lookups.
 */
@Injectable()
export class BackgroundTaskService {
  private readonly logger = new Logger(BackgroundTaskService.name);

  constructor(private readonly tasks: BackgroundTaskRepository) {}

  async run(task: BackgroundTaskType, appId: string | null, work: () => Promise<Record<string, unknown>>): Promise<BackgroundTask> {
    const now = new Date();
    const row: BackgroundTask = { id: `qtask_${timeSortableId()}`, task, status: 'running', appId, data: {}, createdAt: now, updatedAt: now };
    await this.tasks.insert(row);
    let status: BackgroundTaskStatus = 'finished';
    let data: Record<string, unknown>;
    try {
      data = await work();
    } catch (error) {
      this.logger.error({ msg: 'background task failed', taskId: row.id, task, appId, error: (error as Error).message });
      [status, data] = ['failed', { error: (error as Error).message }];
    }
    await this.tasks.finish(row.id, status, data);
    return { ...row, status, data, updatedAt: new Date() };
  }

  async get(id: string): Promise<BackgroundTask> {
    return found(await this.tasks.find(id), 'Background task');
  }

  list(filter: { status?: BackgroundTaskStatus; task?: BackgroundTaskType }, page: PageRequest): Promise<Page<BackgroundTask>> {
    return this.tasks.list({ ...filter, since: new Date(Date.now() - LISTED_FOR_MS) }, page);
  }
}
