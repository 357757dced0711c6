import { Injectable } from '@nestjs/common';
import { Database } from '../database';
import { Application, Delivery, Endpoint, Message, MessageAttempt, OPERATIONAL_APP_ID } from '../entities';
import { orDuplicate } from '../errors';
import { Page, PageRequest, paginate } from '../pagination';
import { findIn } from '../rows';

/**
 * The applications users manage. The operational webhooks' own application (OPERATIONAL_APP_ID) is not one of
 * them: every lookup by id or uid and every list leaves it out, so no route, token or message can reach it.
 */
@Injectable()
export class ApplicationRepository {
  constructor(private readonly db: Database) {}

  /** `withEndpoints`: only applications with at least one endpoint (all enabled, with `allEnabled`). */
  list(page: PageRequest, filter: { withEndpoints?: boolean; allEnabled?: boolean } = {}): Promise<Page<Application>> {
    const query = this.db.reader.getRepository(Application).createQueryBuilder('app').where('app.id <> :internal', { internal: OPERATIONAL_APP_ID });
    if (filter.withEndpoints) query.andWhere('EXISTS (SELECT 1 FROM endpoints endpoint WHERE endpoint.app_id = app.id)');
    if (filter.allEnabled)
      query.andWhere('NOT EXISTS (SELECT 1 FROM endpoints endpoint WHERE endpoint.app_id = app.id AND endpoint.disabled = :disabled)', { disabled: true });
    return paginate(query, 'app.id', (app) => app.id, page);
  }

  /** An id wins over a uid that happens to spell it (uids may look like ids), as in findManyByIdOrUid: the auth guard relies on it. */
  async findByIdOrUid(idOrUid: string): Promise<Application | null> {
    const applications = this.db.reader.getRepository(Application);
    const byId = idOrUid === OPERATIONAL_APP_ID ? null : await applications.findOneBy({ id: idOrUid });
    return byId ?? applications.findOneBy({ uid: idOrUid });
  }

  /** Any application by id, the operational webhooks' own included: for Herald's internal use, never a route's. */
  findInternal(id: string): Promise<Application | null> {
    return this.db.reader.getRepository(Application).findOneBy({ id });
  }

  findByUid(uid: string): Promise<Application | null> {
    return this.db.reader.getRepository(Application).findOneBy({ uid });
  }

  /** The applications named by id or uid, keyed by the name used: ingest resolves a whole batch in one go. */
  async findManyByIdOrUid(idsOrUids: string[]): Promise<Map<string, Application>> {
    const [byId, byUid] = await Promise.all([findIn(this.db.reader, Application, 'id', idsOrUids), findIn(this.db.reader, Application, 'uid', idsOrUids)]);
    return new Map([
      ...byUid.map((application) => [application.uid!, application] as const),
      ...byId.filter((application) => application.id !== OPERATIONAL_APP_ID).map((application) => [application.id, application] as const),
    ]);
  }

  /** Throws DuplicateError when the uid is taken. */
  insert(application: Application): Promise<void> {
    return this.db.write((db) => orDuplicate(async () => void (await db.getRepository(Application).insert(application))));
  }

  /** Throws DuplicateError when the uid is taken. */
  update(application: Application): Promise<void> {
    return this.db.write((db) => orDuplicate(async () => void (await db.getRepository(Application).update({ id: application.id }, application))));
  }

  /** Deletes the application with its endpoints, messages and their delivery history; answers the ids of the endpoints it had. */
  deleteWithHistory(id: string): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const endpoints = await tx.getRepository(Endpoint).find({ select: { id: true }, where: { appId: id } });
      for (const entity of [MessageAttempt, Delivery, Message, Endpoint]) await tx.getRepository(entity).delete({ appId: id });
      await tx.getRepository(Application).delete({ id });
      return endpoints.map((endpoint) => endpoint.id);
    });
  }
}
