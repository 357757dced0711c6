import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Metrics } from '@herald/live';

/** `herald_http_request_duration_seconds` for every response, by route template and status class (bounded labels). */
export function measureRequests(app: NestFastifyApplication): void {
  const histogram = app.get(Metrics).httpRequestDuration;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const labels = { method: request.method, route: request.routeOptions.url ?? '', status_class: `${Math.floor(reply.statusCode / 100)}xx` };
      histogram.observe(labels, reply.elapsedTime / 1_000);
      done();
    });
}
