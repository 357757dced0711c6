// The portal's calls: its HttpOnly cookie (set by trading the link's token) authenticates them, with the
// x-herald-portal header that a cross-site page cannot add. Everything is within the token's application.
import type { AttemptOut, EndpointMessageOut, EndpointOut, EventTypeOut, ListResponse, MessageOut, PortalSessionOut } from '@herald/contract';
import { client, path } from '../shared/http';

const call = client('x-herald-portal');

export interface EndpointFields {
  url: string;
  description: string;
  eventTypes: string[] | null;
  channels: string[] | null;
  throttleRate: number | null;
  disabled?: boolean;
}

/** An API bound to one application. */
export function portalApi(appId: string) {
  const app = (...parts: string[]) => `/app/${path(appId, ...parts)}`;
  return {
    endpoints: () => call<ListResponse<EndpointOut>>('GET', `${app('endpoint')}?limit=250`),
    endpoint: (id: string) => call<EndpointOut>('GET', app('endpoint', id)),
    createEndpoint: (fields: EndpointFields) => call<EndpointOut>('POST', app('endpoint'), fields),
    updateEndpoint: (id: string, fields: Partial<EndpointFields>) => call<EndpointOut>('PATCH', app('endpoint', id), fields),
    headers: (id: string) => call<{ headers: Record<string, string>; sensitive: string[] }>('GET', app('endpoint', id, 'headers')),
    patchHeaders: (id: string, headers: Record<string, string>, deleteHeaders: string[]) =>
      call<void>('PATCH', app('endpoint', id, 'headers'), { headers, deleteHeaders }),
    secret: (id: string) => call<{ key: string }>('GET', app('endpoint', id, 'secret')),
    rotateSecret: (id: string) => call<void>('POST', app('endpoint', id, 'secret', 'rotate'), {}),
    recover: (id: string, since: string) => call<unknown>('POST', app('endpoint', id, 'recover'), { since }),
    // Served by the send-example route (Svix's EventExampleIn): the event type's example, to this endpoint only.
    sendExample: (id: string, eventType: string) => call<MessageOut>('POST', app('endpoint', id, 'send-example'), { eventType }),
    attempts: (id: string) => call<ListResponse<AttemptOut>>('GET', `${app('attempt', 'endpoint', id)}?limit=50`),
    messages: () => call<ListResponse<MessageOut>>('GET', `${app('msg')}?limit=50&with_content=true`),
    message: (id: string) => call<MessageOut>('GET', `${app('msg', id)}?with_content=true`),
    messageAttempts: (id: string) => call<ListResponse<AttemptOut>>('GET', `${app('attempt', 'msg', id)}?limit=100`),
    attemptedMessages: (endpointId: string) => call<ListResponse<EndpointMessageOut>>('GET', `${app('endpoint', endpointId, 'msg')}?limit=50`),
    resend: (msgId: string, endpointId: string) => call<void>('POST', app('msg', msgId, 'endpoint', endpointId, 'resend'), {}),
    eventTypes: () => call<ListResponse<EventTypeOut>>('GET', '/event-type?limit=250&with_content=true'),
    streamToken: () => call<{ token: string; expiresAt: string }>('POST', '/auth/stream-token', {}),
  };
}

export type PortalApi = ReturnType<typeof portalApi>;

export const portalSession = {
  signIn: (token: string) => call<void>('POST', '/auth/portal-session', undefined, { authorization: `Bearer ${token}` }),
  get: () => call<PortalSessionOut>('GET', '/auth/portal-session'),
  signOut: () => call<void>('POST', '/auth/logout'),
};
