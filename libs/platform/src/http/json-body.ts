import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest, RawServerDefault } from 'fastify';
import { ValidationFailed } from '../api-errors';

const rawBodies = new WeakMap<FastifyRequest, string>();

/** The JSON text a request's body was parsed from, as it came. */
export const rawBodyOf = (request: FastifyRequest): string | undefined => rawBodies.get(request);

/**
 * JSON bodies are parsed by Fastify's own parser (which refuses `__proto__` and `constructor` tricks), but
 * first refused with a 422 when nested deeper than HERALD_MAX_JSON_DEPTH: producers pass end-user JSON
 * straight through, and JSON.stringify recurses, so a deep enough payload would overflow the stack in
 * every later read of it. The text is kept, so the idempotency fingerprint never re-serialises the body.
 */
export function parseJsonBodies(app: NestFastifyApplication, maxDepth: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: fastify.initialConfig.bodyLimit }, (request, body, done) => {
    const text = body.toString('utf8');
    const depth = nestingDepth(text, maxDepth);
    if (depth > maxDepth) {
      return done(
        new ValidationFailed([
          {
            loc: ['body'],
            msg: `is nested more than ${maxDepth} levels deep; at most ${maxDepth} are accepted (HERALD_MAX_JSON_DEPTH)`,
            type: 'value_error.too_deep',
          },
        ]),
      );
    }
    rawBodies.set(request, text);
    parse(request, text, done);
  });
}

/** How deeply arrays and objects nest in JSON text, counted without parsing; the count stops past `stopAfter`. */
export function nestingDepth(text: string, stopAfter = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest && (deepest = depth) > stopAfter) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
