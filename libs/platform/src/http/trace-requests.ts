import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Context, context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  tracer,
} from '@herald/tracing';

/** Probes are polled every few seconds by orchestrators and scrapers: spans of them would be noise. */
const UNTRACED = /^\/(api\/v1\/health|metrics)(\/|$)/;

const traced = new WeakMap<FastifyRequest, Context>();

/**
 * A SERVER span per API request (HTTP semantic conventions), continuing the caller's trace when the request
 * carries a W3C `traceparent`. The span is opened when the request arrives and made the active context for
 * the handler (from preHandler on: the body is read in the socket's callbacks, outside any context), so
 * what the handler starts, a message's trace among them, is its child. Registered only when tracing is on.
 */
export function traceRequests(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    const route = request.routeOptions.url;
    if (route && UNTRACED.test(route)) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(route ? `${request.method} ${route}` : request.method, { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_PATH]: request.url.split('?', 1)[0],
        [ATTR_URL_SCHEME]: request.protocol,
        [ATTR_SERVER_ADDRESS]: request.hostname,
        [ATTR_CLIENT_ADDRESS]: request.ip,
        ...(request.port ? { [ATTR_SERVER_PORT]: request.port } : {}),
        ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
        ...(request.headers['user-agent'] ? { [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'] } : {}),
      });
    }
    traced.set(request, trace.setSpan(parent, span));
    done();
  });
  fastify.addHook('preHandler', (request: FastifyRequest, _reply, done) => {
    const active = traced.get(request);
    if (active) context.with(active, done);
    else done();
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply, done) => {
    const span = finished(request);
    if (span) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
      // A server span is an error on 5xx only: a 4xx is the caller's mistake, answered as designed.
      if (reply.statusCode >= 500) span.setAttribute(ATTR_ERROR_TYPE, String(reply.statusCode)).setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request: FastifyRequest, done) => {
    finished(request)?.setAttribute(ATTR_ERROR_TYPE, 'aborted').end();
    done();
  });
}

/** The request's span, once: whichever of response and abort comes first ends it. */
function finished(request: FastifyRequest): Span | undefined {
  const active = traced.get(request);
  traced.delete(request);
  return active && trace.getSpan(active);
}
