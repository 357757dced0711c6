import { Injectable } from '@nestjs/common';
import { Database } from '../database';
import { BackgroundTask, BackgroundTaskStatus, BackgroundTaskType } from '../entities';
import { Page, PageRequest, paginate } from '../pagination';

@Injectable()
export class BackgroundTaskRepository {
  constructor(private readonly db: Database) {}

  insert(task: BackgroundTask): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(BackgroundTask).insert(task as never)));
  }

  finish(id: string, status: BackgroundTaskStatus, data: Record<string, unknown>): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(BackgroundTask).update({ id }, { status, data: data as never, updatedAt: new Date() })));
  }

  find(id: string): Promise<BackgroundTask | null> {
    return this.db.reader.getRepository(BackgroundTask).findOneBy({ id });
  }

  /** Newest first by default, created since `since`. */
  list(filter: { status?: BackgroundTaskStatus; task?: BackgroundTaskType; since: Date }, page: PageRequest): Promise<Page<BackgroundTask>> {
    const query = this.db.reader.getRepository(BackgroundTask).createQueryBuilder('task').where('task.created_at >= :since', { since: filter.since.getTime() });
    if (filter.status) query.andWhere('task.status = :status', { status: filter.status });
    if (filter.task) query.andWhere('task.task = :task', { task: filter.task });
    return paginate(query, 'task.id', (task) => task.id, page);
  }
}
