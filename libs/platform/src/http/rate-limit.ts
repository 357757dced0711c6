import fastifyRateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HeraldConfig } from '@herald/config';
import { REDIS_CLIENT, RedisClient } from '@herald/queue';
import { Authenticator } from '../auth';
import { sendError } from './send-error';

/** Routes a load balancer or Prometheus polls: never limited. */
const UNLIMITED_ROUTES = new Set(['/api/v1/health', '/api/v1/health/live', '/metrics']);

/**
 * Per-credential rate limiting, shared by every instance through Redis (@fastify/rate-limit's Redis store):
 * HERALD_RATE_LIMIT requests a second per API token, session or stream token, and
 * HERALD_RATE_LIMIT_ANONYMOUS a minute per IP address for requests without valid credentials. Over the
 * limit: 429 with Retry-After. When Redis is not ready nothing is limited: ingest must go on accepting
 * messages into the database while Redis is away.
 */
export async function limitRequestRates(app: NestFastifyApplication): Promise<void> {
  const config = app.get(HeraldConfig);
  if (config.rateLimit === 0 && config.rateLimitAnonymous === 0) return;
  const redis = app.get<RedisClient>(REDIS_CLIENT);
  const authenticator = app.get(Authenticator);
  const fastify = app.getHttpAdapter().getInstance();
  await app.register(fastifyRateLimit as never, { global: false, redis, nameSpace: `${config.queuePrefix}:rate:`, skipOnError: true });
  const perCredential = fastify.createRateLimit({
    max: config.rateLimit,
    timeWindow: 1_000,
    keyGenerator: async (request) => ((await authenticator.identify(request)) as { key: string }).key,
  });
  const perAddress = fastify.createRateLimit({ max: config.rateLimitAnonymous, timeWindow: 60_000, keyGenerator: (request) => `ip:${request.ip}` });

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (redis.status !== 'ready' || UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return;
    const identity = await authenticator.identify(request);
    const credentialed = identity.kind !== 'anonymous' && identity.kind !== 'invalid';
    if ((credentialed ? config.rateLimit : config.rateLimitAnonymous) === 0) return;
    const limit = await (credentialed ? perCredential : perAddress)(request);
    if (limit.isAllowed || !limit.isExceeded) return;
    reply.header('retry-after', String(Math.max(1, limit.ttlInSeconds)));
    return sendError(
      reply,
      429,
      'rate_limited',
      `Too many requests: at most ${limit.max} per ${limit.timeWindow >= 60_000 ? 'minute' : 'second'} ${credentialed ? 'per credential' : 'per address without valid credentials'}; retry in ${Math.max(1, limit.ttlInSeconds)} s`,
    );
  });
}
