import { Injectable, Param, PipeTransform } from '@nestjs/common';
import { ApplicationService } from '@herald/domain';
import type { Application } from '@herald/persistence';

/** Resolves `:app_id` (an id or a uid) to the application, or a 404, once per request. */
@Injectable()
export class ApplicationPipe implements PipeTransform<string, Promise<Application>> {
  constructor(private readonly applications: ApplicationService) {}

  transform(idOrUid: string): Promise<Application> {
    return this.applications.get(idOrUid);
  }
}

/** The application named by the route's `:app_id`. */
export const AppParam = () => Param('app_id', ApplicationPipe);
