import type { Application, Endpoint, Message, MessageAttempt } from '@herald/persistence';
import { AttemptStatus } from '@herald/persistence';

/** Response bodies of the Svix v1 API, built from entities. Optional fields are omitted when unset, as Svix does. */

export interface ListResponse<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

const STATUS_TEXT: Record<AttemptStatus, string> = {
  [AttemptStatus.Success]: 'success',
  [AttemptStatus.Pending]: 'pending',
  [AttemptStatus.Fail]: 'fail',
  [AttemptStatus.Sending]: 'sending',
};

export function applicationOut(app: Application) {
  return {
    id: app.id,
    uid: app.uid ?? undefined,
    name: app.name,
    rateLimit: app.rateLimit ?? undefined,
    throttleRate: app.throttleRate ?? undefined,
    metadata: app.metadata,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}

export function endpointOut(endpoint: Endpoint) {
  return {
    id: endpoint.id,
    uid: endpoint.uid ?? undefined,
    url: endpoint.url,
    description: endpoint.description,
    version: endpoint.version,
    disabled: endpoint.disabled,
    filterTypes: endpoint.filterTypes ?? undefined,
    channels: endpoint.channels ?? undefined,
    rateLimit: endpoint.rateLimit ?? undefined,
    throttleRate: endpoint.throttleRate ?? undefined,
    metadata: endpoint.metadata,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

export function messageOut(message: Message, withContent = true) {
  return {
    id: message.id,
    eventType: message.eventType,
    eventId: message.eventId ?? undefined,
    payload: withContent ? JSON.parse(message.payload) : {},
    channels: message.channels ?? undefined,
    tags: message.tags ?? undefined,
    timestamp: message.createdAt.toISOString(),
  };
}

export function attemptOut(attempt: MessageAttempt) {
  return {
    id: attempt.id,
    msgId: attempt.messageId,
    endpointId: attempt.endpointId,
    url: attempt.url,
    response: attempt.response,
    responseStatusCode: attempt.responseStatusCode,
    responseDurationMs: attempt.responseDurationMs,
    status: attempt.status,
    statusText: STATUS_TEXT[attempt.status],
    triggerType: attempt.triggerType,
    timestamp: attempt.createdAt.toISOString(),
  };
}
