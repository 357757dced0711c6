import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdempotencyService } from '@herald/domain';
import { Authenticator } from '../auth';
import { rawBodyOf } from './json-body';
import { sendError } from './send-error';

const HEADER = 'idempotency-key';
const claimed = new WeakMap<FastifyRequest, string>();

/**
 * Svix's `idempotency-key` on every POST route, as two Fastify hooks around the handler: before it, a
 * retry with the same key and body gets the first response back (a different body is a 422, a first
 * request still running a 409); after it, the response is stored. Server errors are not stored, so a
 * retry runs again. Requests the auth guard would refuse are left to it and never touch the store.
 */
export function registerIdempotency(app: NestFastifyApplication): void {
  const store = app.get(IdempotencyService, { strict: false });
  const authenticator = app.get(Authenticator);
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers[HEADER];
    if (request.method !== 'POST' || typeof header !== 'string' || header === '') return;
    const caller = await authenticator.apiCaller(request);
    if (!caller) return;
    if (header.length > 256)
      return sendError(reply, 422, 'validation', [{ loc: ['header', HEADER], msg: 'must be at most 256 characters', type: 'value_error.too_big' }]);
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.url}\n${rawBodyOf(request) ?? ''}`)
      .digest('hex');
    // This hook runs before the guard: a key of a scoped credential (API key, portal token) is its own, so
    // that no credential is answered what another stored under the same key, for a route it may not use.
    const key = caller.kind === 'api-token' || caller.kind === 'session' ? header : `${caller.key}:${createHash('sha256').update(header).digest('base64url')}`;
    const claim = await store.claim(key, fingerprint);
    switch (claim.kind) {
      case 'first':
        claimed.set(request, key);
        return;
      case 'replay':
        return reply
          .code(claim.statusCode)
          .header('content-type', 'application/json')
          .header('idempotent-replayed', 'true')
          .send(claim.response ?? undefined);
      case 'mismatch':
        return sendError(reply, 422, 'idempotency_conflict', `The ${HEADER} was already used with a different request`);
      case 'in-progress':
        return sendError(reply, 409, 'idempotency_in_progress', `A request with this ${HEADER} is still being processed; retry later`);
    }
  });

  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const key = claimed.get(request);
    if (!key) return payload;
    claimed.delete(request);
    if (reply.statusCode >= 500) await store.release(key);
    else await store.complete(key, reply.statusCode, typeof payload === 'string' ? payload : null);
    return payload;
  });
}
