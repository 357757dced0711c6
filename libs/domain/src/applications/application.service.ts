import { Injectable } from '@nestjs/common';
import { LiveFeed } from '@herald/live';
import { Application, ApplicationRepository, Page, PageRequest } from '@herald/persistence';
import { definedOnly } from '../changes';
import { conflictOnDuplicate, found } from '../errors';
import { newId } from '../ids';

export interface ApplicationInput {
  name: string;
  uid?: string | null;
  throttleRate?: number | null;
  metadata?: Record<string, string>;
}

@Injectable()
export class ApplicationService {
  constructor(
    private readonly applications: ApplicationRepository,
    private readonly live: LiveFeed,
  ) {}

  list(page: PageRequest, filter: { withEndpoints?: boolean; allEnabled?: boolean } = {}): Promise<Page<Application>> {
    return this.applications.list(page, filter);
  }

  /** Creates an application; with `getIfExists`, an existing one with the same uid is returned instead of a 409. */
  async create(input: ApplicationInput, getIfExists = false): Promise<{ application: Application; created: boolean }> {
    if (input.uid && getIfExists) {
      const existing = await this.applications.findByUid(input.uid);
      if (existing) return { application: existing, created: false };
    }
    const now = new Date();
    const application: Application = {
      id: newId.application(),
      uid: input.uid ?? null,
      name: input.name,
      throttleRate: input.throttleRate ?? null,
      metadata: input.metadata ?? {},
      createdAt: now,
      updatedAt: now,
    };
    await conflictOnDuplicate(() => this.applications.insert(application), uidTaken(application.uid));
    return { application, created: true };
  }

  /** Finds an application by its id or its uid. */
  async get(idOrUid: string): Promise<Application> {
    return found(await this.applications.findByIdOrUid(idOrUid), 'Application');
  }

  /** The applications named by id or uid, keyed by the name used. */
  findMany(idsOrUids: string[]): Promise<Map<string, Application>> {
    return this.applications.findManyByIdOrUid(idsOrUids);
  }

  /** PUT: replaces the application's fields, or creates it (with the path id as its uid) when there is none. */
  async update(idOrUid: string, input: ApplicationInput): Promise<{ application: Application; created: boolean }> {
    const existing = await this.applications.findByIdOrUid(idOrUid);
    if (!existing) return this.create({ ...input, uid: input.uid ?? idOrUid });
    // A PUT without a uid keeps the one the application has (Svix's upsert); a null clears it.
    const changes = {
      name: input.name,
      uid: input.uid === undefined ? existing.uid : input.uid,
      throttleRate: input.throttleRate ?? null,
      metadata: input.metadata ?? {},
    };
    return { application: await this.apply(existing, changes), created: false };
  }

  async patch(idOrUid: string, input: Partial<ApplicationInput>): Promise<Application> {
    const existing = await this.get(idOrUid);
    return this.apply(existing, definedOnly(input));
  }

  /** Deletes the application with its endpoints, messages and their delivery history, and their live counters. */
  async delete(idOrUid: string): Promise<void> {
    const { id } = await this.get(idOrUid);
    const endpointIds = await this.applications.deleteWithHistory(id);
    await this.live.forget(endpointIds.map((endpointId) => ({ appId: id, endpointId })));
  }

  private async apply(application: Application, changes: Partial<Application>): Promise<Application> {
    const updated = { ...application, ...changes, updatedAt: new Date() };
    await conflictOnDuplicate(() => this.applications.update(updated), uidTaken(updated.uid));
    return updated;
  }
}

const uidTaken = (uid: string | null) => `An application with uid "${uid}" already exists`;
