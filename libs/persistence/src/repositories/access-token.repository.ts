import { Injectable } from '@nestjs/common';
import { Brackets, IsNull } from 'typeorm';
import { Database } from '../database';
import { AccessToken, AccessTokenKind } from '../entities';
import { Page, PageRequest, paginate } from '../pagination';

@Injectable()
export class AccessTokenRepository {
  constructor(private readonly db: Database) {}

  insert(token: AccessToken): Promise<void> {
    return this.db.write(async (db) => void (await db.getRepository(AccessToken).insert(token as never)));
  }

  /** The token with this hash while it is neither revoked nor expired. */
  findLiveByHash(hash: string, now = new Date()): Promise<AccessToken | null> {
    return this.live(now).andWhere('token.hash = :hash', { hash }).getOne();
  }

  findLive(id: string, now = new Date()): Promise<AccessToken | null> {
    return this.live(now).andWhere('token.id = :id', { id }).getOne();
  }

  /** Tokens of a kind, oldest first by default, revoked ones included (with when). */
  list(kind: AccessTokenKind, page: PageRequest): Promise<Page<AccessToken>> {
    const query = this.db.reader.getRepository(AccessToken).createQueryBuilder('token').where('token.kind = :kind', { kind });
    return paginate(query, 'token.id', (token) => token.id, page);
  }

  /** Revokes one token; false when there was no live one of that kind. */
  revoke(kind: AccessTokenKind, id: string, at = new Date()): Promise<boolean> {
    return this.db.write(async (db) => {
      const result = await db.getRepository(AccessToken).update({ id, kind, revokedAt: IsNull() }, { revokedAt: at });
      return (result.affected ?? 0) > 0;
    });
  }

  /** Brings forward to `at` the expiry of an application's portal tokens (of the given sessions only, when some are named). */
  expireForApp(appId: string, at: Date, sessionIds?: string[]): Promise<number> {
    return this.db.write(async (db) => {
      const query = db
        .createQueryBuilder()
        .update(AccessToken)
        .set({ expiresAt: at })
        .where('kind = :kind AND app_id = :appId AND revoked_at IS NULL', { kind: 'portal', appId })
        .andWhere(new Brackets((where) => where.where('expires_at IS NULL').orWhere('expires_at > :at', { at: at.getTime() })));
      if (sessionIds?.length) query.andWhere('session_id IN (:...sessionIds)', { sessionIds });
      return (await query.execute()).affected ?? 0;
    });
  }

  private live(now: Date) {
    return this.db.reader
      .getRepository(AccessToken)
      .createQueryBuilder('token')
      .where('token.revoked_at IS NULL')
      .andWhere(new Brackets((where) => where.where('token.expires_at IS NULL').orWhere('token.expires_at > :now', { now: now.getTime() })));
  }
}
