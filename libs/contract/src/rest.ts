/**
 * Response bodies of the REST API (Svix's v1 shapes, plus Herald's additions), as the server sends them
 * and the admin UI reads them. Types only, like live.ts.
 */

export interface ListResponse<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

export interface ApplicationOut {
  id: string;
  uid?: string;
  name: string;
  throttleRate?: number;
  /** Svix 1.x's name of throttleRate, sent too for its clients. */
  rateLimit?: number;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface EventTypeOut {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas?: Record<string, unknown>;
  featureFlags?: string[];
  /** Svix 1.x's single flag: the first of featureFlags. */
  featureFlag?: string;
  groupName?: string;
  createdAt: string;
  updatedAt: string;
}

export interface EndpointOut {
  id: string;
  uid?: string;
  url: string;
  description: string;
  version: number;
  disabled: boolean;
  /** The event types it receives; Svix 1.x called them filterTypes, sent too for its clients. */
  eventTypes?: string[];
  filterTypes?: string[];
  channels?: string[];
  throttleRate?: number;
  rateLimit?: number;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** An operational webhook endpoint (Svix's OperationalWebhookEndpointOut): an endpoint without version or channels. */
export type OperationalEndpointOut = Omit<EndpointOut, 'version' | 'channels'>;

export interface MessageOut {
  id: string;
  eventType: string;
  eventId?: string;
  /** The payload exactly as it was sent and signed; `{}` when asked `with_content=false` or expunged. */
  payload: Record<string, unknown>;
  channels?: string[];
  tags?: string[];
  timestamp: string;
  /** When it was scheduled to go out, if it was. */
  deliverAt?: string;
}

/** Svix's MessageStatus: 0 success, 1 pending, 2 fail, 3 sending, 4 canceled. */
export type MessageStatus = 0 | 1 | 2 | 3 | 4;

export interface AttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  /** Herald's addition: the response's headers (the first 64); null for attempts recorded before Herald kept them. */
  responseHeaders: Record<string, string> | null;
  responseStatusCode: number;
  responseDurationMs: number;
  status: MessageStatus;
  statusText: string;
  /** 0 scheduled, 1 manual. */
  triggerType: number;
  timestamp: string;
  /** The message, when asked with `with_msg=true`. */
  msg?: MessageOut;
}

/** A message as attempted to one endpoint (`endpoint/{ep}/msg`). */
export interface EndpointMessageOut extends MessageOut {
  status: MessageStatus;
  statusText: string;
  nextAttempt: string | null;
}

/** An endpoint as a destination of one message (`msg/{msg}/endpoint`). */
export interface MessageEndpointOut extends EndpointOut {
  status: MessageStatus;
  statusText: string;
  nextAttempt: string | null;
}

/** A long operation (Svix's ReplayOut, RecoverOut, ExpungeAllContentsOut… are this without `data`). */
export interface BackgroundTaskOut {
  id: string;
  status: 'running' | 'finished' | 'failed';
  task: string;
  /** What it did once finished (`{ messagesSent }` for a replay), or `{ error }` when it failed. */
  data: Record<string, unknown>;
  updatedAt: string;
}

/** Svix's AppPortalAccessOut: the link that opens the consumer portal, and its token. */
export interface AppPortalAccessOut {
  url: string;
  token: string;
}

/** What the consumer portal learns of its session (`GET /api/v1/auth/portal-session`). */
export interface PortalSessionOut {
  appId: string;
  appName: string;
  readOnly: boolean;
  /** Svix's AppPortalCapability names the token is limited to; null for all. */
  capabilities: string[] | null;
  featureFlags: string[] | null;
  expiresAt: string;
  /** HERALD_PORTAL_PRIMARY_COLOR and HERALD_PORTAL_LOGO_URL; the link's query may override them. */
  branding: { primaryColor: string | null; logoUrl: string | null };
}

/** An API key (`/api/v1/auth/api-key`); `key` is shown once, in the answer that creates it. */
export interface ApiKeyOut {
  id: string;
  name: string;
  /** The one application it may reach; null for every application. */
  appId: string | null;
  readOnly: boolean;
  createdAt: string;
  revokedAt: string | null;
  key?: string;
}
