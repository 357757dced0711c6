import { Injectable } from '@nestjs/common';
import { Database } from '../database';
import { AttemptStatus, MessageAttempt } from '../entities';
import { MessageMatch, TimeWindow, whereCreatedIn, whereOfMatchingMessages } from '../filters';
import { Page, PageRequest, paginate } from '../pagination';
import { EXPUNGED, expungeInBatches } from './retention';

export type AttemptFilter = TimeWindow &
  MessageMatch & {
    status?: AttemptStatus;
    /** 0 for no response, or the first code of a class: 100, 200, 300, 400, 500. */
    statusCodeClass?: number;
    endpointId?: string;
  };

/** The attempt log. */
@Injectable()
export class AttemptRepository {
  constructor(private readonly db: Database) {}

  /** Attempts of the application to one endpoint or of one message, newest first by default. */
  list(appId: string, of: { endpointId: string } | { messageId: string }, filter: AttemptFilter, page: PageRequest): Promise<Page<MessageAttempt>> {
    const query = this.db.reader.getRepository(MessageAttempt).createQueryBuilder('attempt').where('attempt.app_id = :appId', { appId });
    if ('messageId' in of) query.andWhere('attempt.message_id = :messageId', { messageId: of.messageId });
    const endpointId = 'endpointId' in of ? of.endpointId : filter.endpointId;
    if (endpointId) query.andWhere('attempt.endpoint_id = :endpointId', { endpointId });
    if (filter.status !== undefined) query.andWhere('attempt.status = :status', { status: filter.status });
    if (filter.statusCodeClass === 0) query.andWhere('attempt.response_status_code = 0');
    else if (filter.statusCodeClass !== undefined)
      query.andWhere('attempt.response_status_code BETWEEN :low AND :high', { low: filter.statusCodeClass, high: filter.statusCodeClass + 99 });
    whereCreatedIn(query, 'attempt', filter);
    whereOfMatchingMessages(query, 'attempt', appId, filter);
    return paginate(query, 'attempt.id', (attempt) => attempt.id, page);
  }

  find(appId: string, messageId: string, id: string): Promise<MessageAttempt | null> {
    return this.db.reader.getRepository(MessageAttempt).findOneBy({ appId, messageId, id });
  }

  /** Deletes an attempt's response body and headers; answers whether there was such an attempt. */
  async expungeResponse(appId: string, messageId: string, id: string): Promise<boolean> {
    const result = await this.db.write((db) =>
      db.getRepository(MessageAttempt).update({ appId, messageId, id }, { response: EXPUNGED, responseHeaders: null }),
    );
    return (result.affected ?? 0) > 0;
  }

  /** Replaces response bodies (and clears headers) of attempts older than `cutoff`; answers how many. */
  expungeResponsesBefore(cutoff: number): Promise<number> {
    return expungeInBatches(this.db, MessageAttempt, 'response', cutoff, { responseHeaders: null });
  }
}
