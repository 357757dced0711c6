// The admin UI's calls, authenticated by the operator session cookie and the x-herald-ui header.
import type { ApplicationOut, AttemptOut, EndpointOut, ListResponse } from '@herald/contract';
import { client, path } from './shared/http';

export { ApiFailure } from './shared/http';

const call = client('x-herald-ui');

export const api = {
  session: () => call<{ signedIn: boolean }>('GET', '/auth/session'),
  signIn: (token: string) => call<void>('POST', '/auth/session', undefined, { authorization: `Bearer ${token}` }),
  signOut: () => call<void>('DELETE', '/auth/session'),
  streamToken: () => call<{ token: string; expiresAt: string }>('POST', '/auth/stream-token', {}),
  applications: () => call<ListResponse<ApplicationOut>>('GET', '/app?limit=250'),
  endpoints: (appId: string) => call<ListResponse<EndpointOut>>('GET', `/app/${path(appId)}/endpoint?limit=250`),
  endpoint: (appId: string, endpointId: string) => call<EndpointOut>('GET', `/app/${path(appId, 'endpoint', endpointId)}`),
  attempts: (appId: string, endpointId: string) => call<ListResponse<AttemptOut>>('GET', `/app/${path(appId, 'attempt', 'endpoint', endpointId)}?limit=50`),
  resend: (appId: string, msgId: string, endpointId: string) => call<void>('POST', `/app/${path(appId, 'msg', msgId, 'endpoint', endpointId, 'resend')}`, {}),
  setDisabled: (appId: string, endpointId: string, disabled: boolean) =>
    call<EndpointOut>('PATCH', `/app/${path(appId, 'endpoint', endpointId)}`, { disabled }),
  rotateSecret: (appId: string, endpointId: string) => call<void>('POST', `/app/${path(appId, 'endpoint', endpointId, 'secret', 'rotate')}`, {}),
  secret: (appId: string, endpointId: string) => call<{ key: string }>('GET', `/app/${path(appId, 'endpoint', endpointId, 'secret')}`),
  recover: (appId: string, endpointId: string, since: string) => call<unknown>('POST', `/app/${path(appId, 'endpoint', endpointId, 'recover')}`, { since }),
};
