import { Injectable } from '@nestjs/common';
import { BackgroundTask, DeliveryRepository, EndpointRepository } from '@herald/persistence';
import { ApplicationService } from '../applications/application.service';
import { BackgroundTaskService } from '../background-tasks/background-task.service';
import { InvalidInputError } from '../errors';

/**
 * Svix's usage statistics, computed from Herald's own tables as background tasks (finished by the answer,
 * kept for backgroundTask.get), with the result shapes Svix's tasks have.
 */
@Injectable()
export class StatisticsService {
  constructor(
    private readonly applications: ApplicationService,
    private readonly deliveries: DeliveryRepository,
    private readonly endpoints: EndpointRepository,
    private readonly tasks: BackgroundTaskService,
  ) {}

  /**
   * `application.stats`: message destinations (a message's deliveries, one per endpoint it was sent to)
   * created in [since, until), by application: those named in `appIds` (ids or uids; zeros included), else
   * every application that had any. Names that resolve to no application come back in `unresolvedAppIds`;
   * when none resolves, a 422.
   */
  async appUsage(since: Date, until: Date, appIds?: string[] | null): Promise<{ task: BackgroundTask; unresolvedAppIds: string[] }> {
    const named = appIds ? [...new Set(appIds)] : undefined;
    const resolved = named ? await this.applications.findMany(named) : undefined;
    const unresolvedAppIds = named?.filter((name) => !resolved!.has(name)) ?? [];
    if (named?.length && unresolvedAppIds.length === named.length)
      throw new InvalidInputError(['body', 'appIds'], 'none of these ids or uids names an application');
    const task = await this.tasks.run('application.stats', null, async () => {
      const ids = resolved ? [...new Set([...resolved.values()].map((application) => application.id))] : undefined;
      const counts = await this.deliveries.countByApp(since, until, ids);
      const applications = await this.applications.findMany(ids ?? [...counts.keys()]);
      const appStats = [...new Map([...applications.values()].map((application) => [application.id, application])).values()]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((application) => ({ messageDestinations: counts.get(application.id) ?? 0, appId: application.id, appUid: application.uid ?? null }));
      return { appStats };
    });
    return { task, unresolvedAppIds };
  }

  /**
   * `event-type.aggregate`: for every application with endpoints, the event types its endpoints subscribe
   * to by name, and whether one of them takes every event type (no filter). Keys as Svix's task has them.
   */
  eventTypeUsage(): Promise<BackgroundTask> {
    return this.tasks.run('event-type.aggregate', null, async () => {
      const byApp = new Map<string, { types: Set<string>; catchAll: boolean }>();
      for (const { appId, filterTypes } of await this.endpoints.subscriptions()) {
        const entry = byApp.get(appId) ?? { types: new Set<string>(), catchAll: false };
        if (filterTypes === null) entry.catchAll = true;
        else for (const type of filterTypes) entry.types.add(type);
        byApp.set(appId, entry);
      }
      const event_types = [...byApp].map(([appId, { types, catchAll }]) => ({
        appId,
        explicitlySubscribedEventTypes: [...types].sort(),
        hasCatchAllEndpoint: catchAll,
      }));
      return { event_types };
    });
  }
}
