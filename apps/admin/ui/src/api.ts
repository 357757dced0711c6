// Calls to Herald's own API from the admin UI. The operator session cookie authenticates them; the
// x-herald-ui header is what a cross-site form cannot send, so the cookie alone opens nothing.
import type { ApplicationOut, AttemptOut, EndpointOut, ListResponse } from '@herald/contract';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: { 'x-herald-ui': '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new ApiFailure(response.status, await explain(response));
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** The error body's detail (Svix's shape), or the status line when there is none. */
async function explain(response: Response): Promise<string> {
  try {
    const body = await response.json();
    if (typeof body.detail === 'string') return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map((item: { msg?: string }) => item.msg ?? JSON.stringify(item)).join('; ');
  } catch {
    // not JSON: fall through
  }
  return `${response.status} ${response.statusText}`;
}

const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');

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
