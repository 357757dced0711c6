import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * What a log line written while serving a request says about that request: only its id for now. Kept small
 * on purpose; tracing can add its trace id here (the logger's mixin copies every field onto each line).
 */
export interface RequestContext {
  requestId: string;
}

/** The request being served, for whatever runs on its behalf (set by the HTTP hooks of `logRequests`). */
export const requestContext = new AsyncLocalStorage<RequestContext>();

/** An id a caller may choose: bounded, and nothing a log line or header could be bent by (no spaces, quotes, CR/LF). */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:+/=@-]{1,128}$/;

/**
 * The request's id: the caller's `x-request-id`, else the `svix-req-id` the Svix SDKs send, when it is a
 * safe token; otherwise a fresh UUID (a hostile or malformed id is replaced, not refused).
 */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  for (const name of ['x-request-id', 'svix-req-id']) {
    const value = headers[name];
    if (typeof value === 'string' && CALLER_REQUEST_ID.test(value)) return value;
  }
  return randomUUID();
}
