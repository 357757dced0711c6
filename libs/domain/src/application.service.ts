import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { ApplicationIn } from '@herald/api';
import { Application } from '@herald/persistence';
import { ConflictError, isUniqueViolation, NotFoundError } from './errors';
import { newId } from './ids';

@Injectable()
export class ApplicationService {
  constructor(@InjectRepository(Application) private readonly applications: Repository<Application>) {}

  /** Creates an application; with `getIfExists`, an existing one with the same uid is returned instead of a 409. */
  async create(input: ApplicationIn, getIfExists = false): Promise<{ application: Application; created: boolean }> {
    if (input.uid) {
      const existing = await this.applications.findOneBy({ uid: input.uid });
      if (existing && getIfExists) return { application: existing, created: false };
      if (existing) throw new ConflictError(`An application with uid "${input.uid}" already exists`);
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
    try {
      await this.applications.insert(application);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`An application with uid "${input.uid}" already exists`);
      throw error;
    }
    return { application, created: true };
  }

  /** Finds an application by its id or its uid. */
  async get(idOrUid: string): Promise<Application> {
    const application = await this.applications.findOne({ where: [{ id: idOrUid }, { uid: idOrUid }] });
    if (!application) throw new NotFoundError('Application');
    return application;
  }
}
