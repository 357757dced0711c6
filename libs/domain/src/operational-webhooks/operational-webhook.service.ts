import { Injectable, Logger } from '@nestjs/common';
import type { AttemptOutcome } from '@herald/contract';
import { HeraldConfig } from '@herald/config';
import {
  ApplicationRepository,
  Delivery,
  DeliveryStatus,
  DeliveryTarget,
  DuplicateError,
  Endpoint,
  EndpointRepository,
  Message,
  MessageAttempt,
  MessageRepository,
  OPERATIONAL_APP_ID,
} from '@herald/persistence';
import { activeTraceparent } from '@herald/tracing';
import { DeliveryScheduler } from '../delivery/delivery-scheduler.service';
import { delayBeforeAttempt } from '../delivery/retry-schedule';
import { endpointAccepts } from '../endpoints/endpoint-filter';
import { newId } from '../ids';

/** Svix's operational event types. */
export type OperationalEventType =
  | 'endpoint.created'
  | 'endpoint.updated'
  | 'endpoint.deleted'
  | 'endpoint.disabled'
  | 'endpoint.enabled'
  | 'message.attempt.exhausted'
  | 'message.attempt.failing'
  | 'message.attempt.recovered';

/** Svix's rule: a delivery is failing once its fourth attempt in a row has failed and it will be tried again. */
const FAILING_AFTER_ATTEMPTS = 4;

/**
 * Herald's events about itself, to the operators' own endpoints (Svix's operational webhooks). Each event is a
 * message to the operational application (OPERATIONAL_APP_ID), stored with one delivery per operational endpoint
 * whose filterTypes take it, then delivered like any message: signed, retried on HERALD_RETRY_SCHEDULE, every
 * attempt logged. Events about the operational endpoints themselves are not sent (they would feed on themselves).
 * An event that cannot be stored is logged and dropped: the change that caused it stands regardless.
 */
@Injectable()
export class OperationalWebhooks {
  private readonly logger = new Logger(OperationalWebhooks.name);

  constructor(
    private readonly applications: ApplicationRepository,
    private readonly endpoints: EndpointRepository,
    private readonly messages: MessageRepository,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: HeraldConfig,
  ) {}

  /** `endpoint.created`, `endpoint.updated`, `endpoint.deleted` or `endpoint.enabled`. */
  async endpointChanged(type: 'endpoint.created' | 'endpoint.updated' | 'endpoint.deleted' | 'endpoint.enabled', endpoint: Endpoint): Promise<void> {
    await this.emit(type, endpoint.appId, (appUid) => endpointData(endpoint, appUid));
  }

  /**
   * `endpoint.disabled`: by Herald (`automatic`: failing for HERALD_DISABLE_AFTER, or 410 Gone) or through the API
   * (`manual`). Callers send it once per real transition (EndpointRepository.disable is guarded).
   */
  async endpointDisabled(endpoint: Endpoint, trigger: 'automatic' | 'manual', reason: string, failSince: Date | null): Promise<void> {
    await this.emit('endpoint.disabled', endpoint.appId, (appUid) => ({
      ...endpointData(endpoint, appUid),
      failSince: failSince?.toISOString() ?? null,
      trigger,
      reason,
    }));
  }

  /**
   * After a scheduled attempt is recorded (once per attempt): `message.attempt.exhausted` when the schedule ran
   * out, `message.attempt.failing` when the fourth attempt in a row failed and another follows, and
   * `message.attempt.recovered` when a delivery that had been failing succeeds. Attempts count from the start of
   * the delivery's current run of the schedule (a recovery starts a new one), as Svix's do.
   */
  async attemptConcluded(target: Required<DeliveryTarget>, row: MessageAttempt, outcome: AttemptOutcome): Promise<void> {
    const inRun = row.attemptNumber - target.delivery.scheduleOffset;
    const type: OperationalEventType | undefined =
      outcome === 'exhausted'
        ? 'message.attempt.exhausted'
        : outcome === 'retrying' && inRun === FAILING_AFTER_ATTEMPTS
          ? 'message.attempt.failing'
          : outcome === 'succeeded' && inRun > FAILING_AFTER_ATTEMPTS
            ? 'message.attempt.recovered'
            : undefined;
    if (!type) return;
    const { message, endpoint } = target;
    // One event per recorded attempt, even if its follow-up runs twice (a retried job): the eventId is unique.
    const eventId = `${type}.${target.delivery.id}.${row.attemptNumber}`;
    await this.emit(
      type,
      message.appId,
      (appUid) => ({
        appId: message.appId,
        appUid,
        msgId: message.id,
        msgEventId: message.eventId,
        endpointId: endpoint.id,
        lastAttempt: { id: row.id, responseStatusCode: row.responseStatusCode, timestamp: row.createdAt.toISOString() },
      }),
      eventId,
    );
  }

  private async emit(type: OperationalEventType, appId: string, data: (appUid: string | null) => object, eventId: string | null = null): Promise<void> {
    if (appId === OPERATIONAL_APP_ID) return;
    try {
      const endpoints = (await this.endpoints.enabledOf([OPERATIONAL_APP_ID])).filter((endpoint) =>
        endpointAccepts(endpoint, { eventType: type, channels: null }),
      );
      if (endpoints.length === 0) return;
      const appUid = (await this.applications.findInternal(appId))?.uid ?? null;
      const now = new Date();
      const message: Message = {
        id: newId.message(),
        appId: OPERATIONAL_APP_ID,
        eventType: type,
        eventId,
        payload: JSON.stringify({ type, timestamp: now.toISOString(), data: data(appUid) }),
        contentType: null,
        deliverAt: null,
        channels: null,
        tags: null,
        createdAt: now,
        fannedOutAt: now,
        // Its deliveries join the trace of what caused it (the attempt that disabled an endpoint…), if traced.
        traceparent: activeTraceparent(),
      };
      const deliveries = endpoints.map((endpoint) => this.deliveryRow(message, endpoint, now));
      await this.messages.insertWithDeliveries([message], deliveries);
      // If Redis refuses the jobs, the deliveries are due in the database and the reconciler queues them.
      await this.scheduler.schedule(deliveries).catch((error: Error) => this.logger.warn({ msg: 'operational event queued late', type, error: error.message }));
    } catch (error) {
      if (error instanceof DuplicateError) return;
      this.logger.error({ msg: 'operational event not stored', type, appId, error: (error as Error).message });
    }
  }

  private deliveryRow(message: Message, endpoint: Endpoint, now: Date): Delivery {
    return {
      id: newId.delivery(),
      messageId: message.id,
      endpointId: endpoint.id,
      appId: OPERATIONAL_APP_ID,
      status: DeliveryStatus.Pending,
      attemptCount: 0,
      scheduleOffset: 0,
      nextAttemptAt: new Date(now.getTime() + (delayBeforeAttempt(this.config.retrySchedule, 1) ?? 0)),
      createdAt: now,
      updatedAt: now,
    };
  }
}

/** What every endpoint event says (Svix's EndpointCreatedEventData and its siblings). */
const endpointData = (endpoint: Endpoint, appUid: string | null) => ({
  appId: endpoint.appId,
  appUid,
  endpointId: endpoint.id,
  endpointUid: endpoint.uid,
});
