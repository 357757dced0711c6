import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, LessThan, Repository } from 'typeorm';
import type { ListQuery } from '@herald/api';
import { MessageAttempt } from '@herald/persistence';

export interface Page<T> {
  items: T[];
  /** Pass back as `iterator` for the next page; null on the last page. */
  next: string | null;
}

/** Reads the attempt log, newest first (attempt ids sort by time). */
@Injectable()
export class AttemptService {
  constructor(@InjectRepository(MessageAttempt) private readonly attempts: Repository<MessageAttempt>) {}

  listByEndpoint(appId: string, endpointId: string, query: ListQuery): Promise<Page<MessageAttempt>> {
    return this.page({ appId, endpointId }, query);
  }

  listByMessage(appId: string, messageId: string, query: ListQuery): Promise<Page<MessageAttempt>> {
    return this.page({ appId, messageId }, query);
  }

  private async page(where: FindOptionsWhere<MessageAttempt>, { limit, iterator }: ListQuery): Promise<Page<MessageAttempt>> {
    const rows = await this.attempts.find({
      where: iterator ? { ...where, id: LessThan(iterator) } : where,
      order: { id: 'DESC' },
      take: limit + 1,
    });
    const items = rows.slice(0, limit);
    return { items, next: rows.length > limit ? items[items.length - 1].id : null };
  }
}
