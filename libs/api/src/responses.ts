import type {
  ApplicationOut,
  AttemptOut,
  BackgroundTaskOut,
  EndpointMessageOut,
  EndpointOut,
  EventTypeOut,
  ListResponse,
  MessageEndpointOut,
  MessageOut,
  OperationalEndpointOut,
} from '@herald/contract';
import type { Application, BackgroundTask, Delivery, Endpoint, EventType, Message, MessageAttempt } from '@herald/persistence';
import { AttemptStatus, DeliveryStatus } from '@herald/persistence';
import { RawJson } from './raw-json';

/** Response bodies of the Svix v1 API, built from entities. Optional fields are omitted when unset, as Svix does. */

/** A page of the domain, as Svix's list envelope. */
export function listResponse<T, O>(
  page: { items: T[]; iterator: string | null; prevIterator: string | null; done: boolean },
  map: (item: T) => O,
): ListResponse<O> {
  return { data: page.items.map(map), iterator: page.iterator, prevIterator: page.prevIterator, done: page.done };
}

const STATUS_TEXT: Record<AttemptStatus, string> = {
  [AttemptStatus.Success]: 'success',
  [AttemptStatus.Pending]: 'pending',
  [AttemptStatus.Fail]: 'fail',
  [AttemptStatus.Sending]: 'sending',
  [AttemptStatus.Canceled]: 'canceled',
};

export function applicationOut(app: Application): ApplicationOut {
  return {
    id: app.id,
    uid: app.uid ?? undefined,
    name: app.name,
    // One field under Svix 2.x's name and 1.x's.
    throttleRate: app.throttleRate ?? undefined,
    rateLimit: app.throttleRate ?? undefined,
    metadata: app.metadata,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}

export function eventTypeOut(eventType: EventType, withContent = true): EventTypeOut {
  return {
    name: eventType.name,
    description: eventType.description,
    archived: eventType.archived,
    deprecated: eventType.deprecated,
    schemas: withContent ? (eventType.schemas ?? undefined) : undefined,
    featureFlags: eventType.featureFlags ?? undefined,
    featureFlag: eventType.featureFlags?.[0] ?? undefined,
    groupName: eventType.groupName ?? undefined,
    createdAt: eventType.createdAt.toISOString(),
    updatedAt: eventType.updatedAt.toISOString(),
  };
}

export function endpointOut(endpoint: Endpoint): EndpointOut {
  return {
    id: endpoint.id,
    uid: endpoint.uid ?? undefined,
    url: endpoint.url,
    description: endpoint.description,
    version: endpoint.version,
    disabled: endpoint.disabled,
    // One field each under Svix 2.x's name and 1.x's.
    eventTypes: endpoint.filterTypes ?? undefined,
    filterTypes: endpoint.filterTypes ?? undefined,
    channels: endpoint.channels ?? undefined,
    throttleRate: endpoint.throttleRate ?? undefined,
    rateLimit: endpoint.throttleRate ?? undefined,
    metadata: endpoint.metadata,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

/** An endpoint of the operational application, as Svix shows operational webhook endpoints. */
export function operationalEndpointOut(endpoint: Endpoint): OperationalEndpointOut {
  const { version: _version, channels: _channels, ...out } = endpointOut(endpoint);
  return out;
}

export function messageOut(message: Message, withContent = true): MessageOut {
  return {
    id: message.id,
    eventType: message.eventType,
    eventId: message.eventId ?? undefined,
    payload: withContent ? payloadOf(message) : {},
    channels: message.channels ?? undefined,
    tags: message.tags ?? undefined,
    timestamp: message.createdAt.toISOString(),
    deliverAt: message.deliverAt?.toISOString() ?? undefined,
  };
}

/**
 * The payload as it was stored and signed, spliced into the response (stringifyWithRawJson), never parsed
 * and serialised again. A raw message (messageInRaw) shows its body when that is a JSON object, else `{}`.
 */
function payloadOf(message: Message): Record<string, unknown> {
  if (message.contentType !== null && !isJsonObject(message.payload)) return {};
  return new RawJson(message.payload) as unknown as Record<string, unknown>;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Svix's per-endpoint message status, from a delivery's state. */
export function deliveryStatus(delivery: Pick<Delivery, 'status'>): AttemptStatus {
  return delivery.status === DeliveryStatus.Succeeded
    ? AttemptStatus.Success
    : delivery.status === DeliveryStatus.Failed
      ? AttemptStatus.Fail
      : AttemptStatus.Pending;
}

/** A message as attempted to one endpoint (`endpoint/{ep}/msg`). */
export function endpointMessageOut(message: Message, delivery: Delivery, withContent = true): EndpointMessageOut {
  const status = deliveryStatus(delivery);
  return { ...messageOut(message, withContent), status, statusText: STATUS_TEXT[status], nextAttempt: delivery.nextAttemptAt?.toISOString() ?? null };
}

/** An endpoint as a destination of one message (`msg/{msg}/endpoint`). */
export function messageEndpointOut(endpoint: Endpoint, delivery: Delivery): MessageEndpointOut {
  const status = deliveryStatus(delivery);
  return { ...endpointOut(endpoint), status, statusText: STATUS_TEXT[status], nextAttempt: delivery.nextAttemptAt?.toISOString() ?? null };
}

/** An attempt, with its message when one is given (`with_msg=true`). */
export function attemptOut(attempt: MessageAttempt, message?: { message: Message | undefined; withContent: boolean }): AttemptOut {
  return {
    id: attempt.id,
    msgId: attempt.messageId,
    endpointId: attempt.endpointId,
    url: attempt.url,
    response: attempt.response,
    /** Herald's addition to Svix's attempt: the response's headers (null for attempts recorded before it kept them). */
    responseHeaders: attempt.responseHeaders ?? null,
    responseStatusCode: attempt.responseStatusCode,
    responseDurationMs: attempt.responseDurationMs,
    status: attempt.status,
    statusText: STATUS_TEXT[attempt.status],
    triggerType: attempt.triggerType,
    timestamp: attempt.createdAt.toISOString(),
    ...(message?.message ? { msg: messageOut(message.message, message.withContent) } : {}),
  };
}

export function backgroundTaskOut(task: BackgroundTask): BackgroundTaskOut {
  return { id: task.id, status: task.status, task: task.task, data: task.data, updatedAt: task.updatedAt.toISOString() };
}
