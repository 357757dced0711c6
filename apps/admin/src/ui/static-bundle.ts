import fastifyStatic from '@fastify/static';
import type { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Bundle {
  /** `/ui`, `/portal`. */
  route: string;
  /** Its folder under dist/, as scripts/build-ui.mjs writes it. */
  folder: string;
  name: string;
  contentSecurityPolicy: string;
  /** Further headers for every file. */
  headers?: (reply: FastifyReply) => void;
}

/**
 * Serves a page that `npm run build` bundled (scripts/build-ui.mjs) from dist/<folder>. The files are public;
 * everything they show comes from the API behind credentials. Bundles carry a content hash in their names,
 * so they are cached for good; index.html always revalidates.
 */
export function serveBundle(fastify: FastifyInstance, logger: Logger, bundle: Bundle): void {
  const root = bundleDirectory(bundle.folder);
  fastify.get(bundle.route, (_request, reply) => reply.redirect(`${bundle.route}/`));
  if (!root) {
    logger.warn(`The ${bundle.name} is not built (dist/${bundle.folder} is missing): run "npm run build"`);
    fastify.get(`${bundle.route}/*`, (_request, reply) => reply.code(503).type('text/plain').send(`The ${bundle.name} is not built: run "npm run build".`));
    return;
  }
  void fastify.register(fastifyStatic, {
    root,
    prefix: `${bundle.route}/`,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
      reply.header('content-security-policy', bundle.contentSecurityPolicy);
      reply.header('x-content-type-options', 'nosniff');
      bundle.headers?.(reply);
    },
  });
}

/** dist/<folder> next to the nearest package.json above this file (the same from src/ under jest and from dist/). */
function bundleDirectory(folder: string): string | undefined {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const out = join(dir, 'dist', folder);
      return existsSync(join(out, 'index.html')) ? out : undefined;
    }
  }
  return undefined;
}
