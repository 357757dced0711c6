import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { ApplicationIn, ApplicationPatch } from '@herald/api';
import { Application, Delivery, Endpoint, findIn, inTransaction, Message, MessageAttempt } from '@herald/persistence';
import { conflictOnDuplicate, NotFoundError } from './errors';
import { newId } from './ids';
import { Page, PageRequest, paginate } from './pagination';

@Injectable()
export class ApplicationService {
  constructor(
    @InjectRepository(Application) private readonly applications: Repository<Application>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  list(page: PageRequest): Promise<Page<Application>> {
    return paginate(this.applications.createQueryBuilder('app'), 'app.id', (app) => app.id, page);
  }

  /** Creates an application; with `getIfExists`, an existing one with the same uid is returned instead of a 409. */
  async create(input: ApplicationIn, getIfExists = false): Promise<{ application: Application; created: boolean }> {
    if (input.uid && getIfExists) {
      const existing = await this.applications.findOneBy({ uid: input.uid });
      if (existing) return { application: existing, created: false };
    }
    const now = new Date();
    const application = this.applications.create({
      id: newId.application(),
      uid: input.uid ?? null,
      name: input.name,
      rateLimit: input.rateLimit ?? null,
      throttleRate: input.throttleRate ?? null,
      metadata: input.metadata ?? {},
      createdAt: now,
      updatedAt: now,
    });
    await this.save(() => this.applications.insert(application), input.uid);
    return { application, created: true };
  }

  /** Finds an application by its id or its uid. */
  async get(idOrUid: string): Promise<Application> {
    const application = await this.find(idOrUid);
    if (!application) throw new NotFoundError('Application');
    return application;
  }

  /** The applications named by id or uid, keyed by the name used: ingest resolves a whole batch in one go. */
  async findMany(idsOrUids: string[]): Promise<Map<string, Application>> {
    const [byId, byUid] = await Promise.all([findIn(this.db.manager, Application, 'id', idsOrUids), findIn(this.db.manager, Application, 'uid', idsOrUids)]);
    return new Map([
      ...byUid.map((application) => [application.uid!, application] as const),
      ...byId.map((application) => [application.id, application] as const),
    ]);
  }

  /** PUT: replaces the application's fields, or creates it (with the path id as its uid) when there is none. */
  async update(idOrUid: string, input: ApplicationIn): Promise<{ application: Application; created: boolean }> {
    const existing = await this.find(idOrUid);
    if (!existing) return this.create({ ...input, uid: input.uid ?? idOrUid });
    const changes = {
      name: input.name,
      uid: input.uid ?? null,
      rateLimit: input.rateLimit ?? null,
      throttleRate: input.throttleRate ?? null,
      metadata: input.metadata ?? {},
    };
    return { application: await this.apply(existing, changes), created: false };
  }

  async patch(idOrUid: string, input: ApplicationPatch): Promise<Application> {
    const existing = await this.get(idOrUid);
    const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
    return this.apply(existing, changes);
  }

  /** Deletes the application with its endpoints, messages and their delivery history. */
  async delete(idOrUid: string): Promise<void> {
    const { id } = await this.get(idOrUid);
    await inTransaction(this.db, async (tx) => {
      for (const entity of [MessageAttempt, Delivery, Message, Endpoint]) await tx.getRepository(entity).delete({ appId: id });
      await tx.getRepository(Application).delete({ id });
    });
  }

  private find(idOrUid: string): Promise<Application | null> {
    return this.applications.findOne({ where: [{ id: idOrUid }, { uid: idOrUid }] });
  }

  private async apply(application: Application, changes: Partial<Application>): Promise<Application> {
    const updated = { ...application, ...changes, updatedAt: new Date() };
    await this.save(() => this.applications.update({ id: application.id }, updated), updated.uid);
    return updated;
  }

  private async save(write: () => Promise<unknown>, uid: string | null | undefined): Promise<void> {
    await conflictOnDuplicate(write, `An application with uid "${uid}" already exists`);
  }
}
