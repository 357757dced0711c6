import { Injectable } from '@nestjs/common';
import { Database } from '../database';
import { Endpoint } from '../entities';
import { orDuplicate } from '../errors';
import { Page, PageRequest, paginate } from '../pagination';
import { findIn } from '../rows';

/** The fields the health actor moves. */
export type EndpointHealthFields = Pick<Endpoint, 'health' | 'consecutiveFailures' | 'failingSince' | 'circuitOpenUntil'>;

@Injectable()
export class EndpointRepository {
  constructor(private readonly db: Database) {}

  list(appId: string, page: PageRequest): Promise<Page<Endpoint>> {
    const query = this.db.reader.getRepository(Endpoint).createQueryBuilder('endpoint').where('endpoint.app_id = :appId', { appId });
    return paginate(query, 'endpoint.id', (endpoint) => endpoint.id, page);
  }

  findByIdOrUid(appId: string, idOrUid: string): Promise<Endpoint | null> {
    return this.db.reader.getRepository(Endpoint).findOne({
      where: [
        { appId, id: idOrUid },
        { appId, uid: idOrUid },
      ],
    });
  }

  findById(id: string): Promise<Endpoint | null> {
    return this.db.reader.getRepository(Endpoint).findOneBy({ id });
  }

  /** The enabled endpoints of these applications: where their messages may go. */
  async enabledOf(appIds: string[]): Promise<Endpoint[]> {
    return (await findIn(this.db.reader, Endpoint, 'appId', appIds)).filter((endpoint) => !endpoint.disabled);
  }

  /** Endpoints of one application or one endpoint, or all of them, oldest first, at most `limit`. */
  inScope(scope: { appId?: string; endpointId?: string }, limit: number): Promise<Endpoint[]> {
    const where = scope.endpointId ? { id: scope.endpointId } : scope.appId ? { appId: scope.appId } : {};
    return this.db.reader.getRepository(Endpoint).find({ where, order: { id: 'ASC' }, take: limit });
  }

  /** Throws DuplicateError when the uid is taken in the application. */
  insert(endpoint: Endpoint): Promise<void> {
    return this.db.write((db) => orDuplicate(async () => void (await db.getRepository(Endpoint).insert(endpoint))));
  }

  /**
   * Saves the endpoint; throws DuplicateError when the uid is taken in the application. With `whileDisabled`, it
   * saves only while the stored `disabled` is still that and answers whether it did: of concurrent changes that
   * disable (or enable) an endpoint, one alone makes the change.
   */
  update(endpoint: Endpoint, whileDisabled?: boolean): Promise<boolean> {
    const where = whileDisabled === undefined ? { id: endpoint.id } : { id: endpoint.id, disabled: whileDisabled };
    return this.db.write((db) => orDuplicate(async () => ((await db.getRepository(Endpoint).update(where, endpoint)).affected ?? 0) > 0));
  }

  delete(id: string): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(Endpoint).delete({ id })));
  }

  setHealth(id: string, fields: Partial<EndpointHealthFields>): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(Endpoint).update({ id }, fields)));
  }

  /** Counts one more failure in a row (in SQL: several workers may record failures of one endpoint at once) and reads the endpoint back. */
  countFailure(id: string, now: number): Promise<Endpoint | null> {
    return this.db.write(async (db) => {
      await db
        .createQueryBuilder()
        .update(Endpoint)
        .set({ consecutiveFailures: () => 'consecutive_failures + 1', failingSince: () => `COALESCE(failing_since, ${Math.floor(now)})` })
        .where('id = :id', { id })
        .execute();
      return db.getRepository(Endpoint).findOneBy({ id });
    });
  }

  /**
   * Disables an enabled endpoint; answers false when it was disabled already (or is gone). Guarded in SQL, so of
   * several attempts that find the endpoint due to be disabled at once, one alone disables it and says so.
   */
  disable(id: string, reason: string, at: Date): Promise<boolean> {
    return this.db.write(async (db) => {
      const result = await db.getRepository(Endpoint).update({ id, disabled: false }, { disabled: true, disabledReason: reason, updatedAt: at });
      return (result.affected ?? 0) > 0;
    });
  }
}
