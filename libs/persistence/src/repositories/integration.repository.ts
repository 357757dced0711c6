import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { Database } from '../database';
import { AccessToken, Integration } from '../entities';
import { Page, PageRequest, paginate } from '../pagination';

/** Integrations with their keys: a key changes hands (issued, rotated, revoked) in the same transaction as its integration. */
@Injectable()
export class IntegrationRepository {
  constructor(private readonly db: Database) {}

  list(appId: string, page: PageRequest): Promise<Page<Integration>> {
    const query = this.db.reader.getRepository(Integration).createQueryBuilder('integration').where('integration.app_id = :appId', { appId });
    return paginate(query, 'integration.id', (integration) => integration.id, page);
  }

  find(appId: string, id: string): Promise<Integration | null> {
    return this.db.reader.getRepository(Integration).findOneBy({ appId, id });
  }

  insertWithKey(integration: Integration, key: AccessToken): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.getRepository(AccessToken).insert(key as never);
      await tx.getRepository(Integration).insert(integration as never);
    });
  }

  /** The integration's fields, and its key's name and feature flags with them. */
  update(integration: Integration): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.getRepository(Integration).update({ id: integration.id }, integration as never);
      await tx.getRepository(AccessToken).update({ id: integration.keyId }, { name: integration.name, featureFlags: integration.featureFlags as never });
    });
  }

  /** Revokes the current key and makes `key` the integration's; false when the integration is gone. */
  replaceKey(integration: Integration, key: AccessToken, at = new Date()): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const updated = await tx.getRepository(Integration).update({ id: integration.id, keyId: integration.keyId }, { keyId: key.id, updatedAt: at });
      if ((updated.affected ?? 0) === 0) return false;
      await tx.getRepository(AccessToken).update({ id: integration.keyId, revokedAt: IsNull() }, { revokedAt: at });
      await tx.getRepository(AccessToken).insert(key as never);
      return true;
    });
  }

  /** Deletes the integration and revokes its key at once. */
  delete(integration: Integration, at = new Date()): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.getRepository(AccessToken).update({ id: integration.keyId, revokedAt: IsNull() }, { revokedAt: at });
      await tx.getRepository(Integration).delete({ id: integration.id });
    });
  }
}
