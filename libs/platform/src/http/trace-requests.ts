import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Context, context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done) => {
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
    // The raw response's close ends the span: it comes for every response, streams (hijacked) and aborts included.
    reply.raw.once('close', () => {
      const { statusCode, writableFinished } = reply.raw;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
      // A server span is an error on 5xx only: a 4xx is the caller's mistake, answered as designed.
      if (statusCode >= 500) span.setAttribute(ATTR_ERROR_TYPE, String(statusCode)).setStatus({ code: SpanStatusCode.ERROR });
      else if (!writableFinished) span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
      span.end();
    });
    done();
  });
  fastify.addHook('preHandler', (request: FastifyRequest, _reply, done) => {
    const active = traced.get(request);
    if (active) context.with(active, done);
    else done();
  });
}
