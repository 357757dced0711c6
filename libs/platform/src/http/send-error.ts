import type { FastifyReply } from 'fastify';

/** Svix's error body from a Fastify hook, where Nest's exception filter does not reach. */
export function sendError(reply: FastifyReply, status: number, code: string, detail: unknown): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify({ code, detail }));
}
