import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { requestContext } from '../logging';

/** Polled by load balancers and Prometheus every few seconds: their lines are debug, not info. */
const PROBES = new Set(['/api/v1/health', '/api/v1/health/live', '/metrics']);

/**
 * Request ids and the access log. Every response carries `x-request-id` (Fastify's `request.id`, from
 * `requestIdOf`), everything run while serving the request sees it in `requestContext` (so each log line
 * carries it), and each finished request writes one line: method, route template, status, duration.
 * Register first, so that a reply from any later hook (rate limit, idempotency) carries the id too.
 */
export function logRequests(app: NestFastifyApplication, logger: Logger): void {
  const fastify = app.getHttpAdapter().getInstance();
  const http = logger.child({ context: 'HTTP' });
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    // On the raw response: hijacked replies (live streams) write their head themselves.
    reply.raw.setHeader('x-request-id', request.id);
    requestContext.run({ requestId: request.id }, done);
  });
  // Body parsing runs in the socket's async context, not the request's: enter it again for the handler.
  fastify.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    requestContext.run({ requestId: request.id }, done);
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url;
    const status = reply.statusCode;
    const level = route && PROBES.has(route) ? 'debug' : status >= 500 ? 'warn' : 'info';
    if (http.isLevelEnabled(level)) {
      // The route template, not the URL: bounded, and no query string (where a careless client puts tokens).
      const path = route ?? request.url.split('?')[0].slice(0, 200);
      const durationMs = Math.round(reply.elapsedTime * 10) / 10;
      http[level](
        { requestId: request.id, method: request.method, route: route ?? null, status, durationMs },
        `${request.method} ${path} ${status} ${durationMs} ms`,
      );
    }
    done();
  });
}
