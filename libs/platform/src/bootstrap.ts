import type { IncomingMessage } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { stringifyWithRawJson } from '@herald/api';
import { ConfigError, HeraldConfig, loadConfig, redactUrl } from '@herald/config';
import { Metrics } from '@herald/live';
import { probeRedis } from '@herald/queue';
import { startTracing } from '@herald/tracing';
import { HeraldModule } from './herald.module';
import { limitRequestRates, logRequests, measureRequests, parseJsonBodies, registerIdempotency, sendSecurityHeaders, traceRequests } from './http';
import { createPinoLogger, PinoNestLogger, requestIdOf } from './logging';
import { serveOpenApi } from './openapi';

/** Which apps a process runs: a label on its logs and metrics. */
export type HeraldRole = 'all-in-one' | 'ingest' | 'delivery' | 'admin';

/** Builds a Herald process running `apps`, on Fastify, ready to `listen`. */
export async function createHerald(config: HeraldConfig, apps: Type[], role: HeraldRole = 'all-in-one', logger?: Logger): Promise<NestFastifyApplication> {
  logger ??= createPinoLogger(config, role);
  const adapter = new FastifyAdapter({ bodyLimit: config.maxPayloadBytes, genReqId: (request: IncomingMessage) => requestIdOf(request.headers) });
  const app = await NestFactory.create<NestFastifyApplication>(HeraldModule.forRoot(config, apps), adapter, {
    logger: new PinoNestLogger(logger),
  });
  app.enableShutdownHooks();
  // First, so that a request's span covers every hook after it.
  if (config.tracing) traceRequests(app);
  logRequests(app, logger);
  app.get(Metrics).labelRole(role);
  measureRequests(app);
  // Cookies are parsed first, so that every hook after it can identify the caller.
  await app.register(fastifyCookie as never);
  await sendSecurityHeaders(app);
  parseJsonBodies(app, config.maxJsonDepth);
  app.getHttpAdapter().getInstance().setReplySerializer(stringifyWithRawJson);
  await limitRequestRates(app);
  registerIdempotency(app);
  serveOpenApi(app);
  return app;
}

/** What a stop signal's shutdown may take beyond HERALD_SHUTDOWN_TIMEOUT (closing connections, the delivery thread) before the process ends anyway. */
export const SHUTDOWN_MARGIN_MS = 10_000;

/**
 * A stop signal ends the process, however its shutdown goes: a shutdown hook that waits on a Redis that has gone
 * away never returns, and such a process once ignored SIGTERM until it was killed. Unref'd: a shutdown that
 * finishes exits as it always did (Nest re-raises the signal), with no timer holding it.
 */
function exitAfterStopSignal(config: HeraldConfig, logger: Logger): void {
  const limitMs = config.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        logger.error({ context: 'Herald', msg: `shutdown did not finish within ${limitMs / 1_000} s of ${signal}; exiting without it` });
        process.exit(1);
      }, limitMs).unref();
    });
  }
}

/**
 * The entrypoint of every Herald process: validate config, check Redis, boot, listen, say where.
 * Problems a user can fix (bad config, no Redis) end the process with one clear message, not a stack.
 */
export async function runHerald(name: HeraldRole, apps: Type[] | ((config: HeraldConfig) => Type[])): Promise<void> {
  let config: HeraldConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const redisError = await probeRedis(config.redisUrl);
  if (redisError) {
    console.error(
      `Herald cannot reach Redis at ${redactUrl(config.redisUrl)} (${redisError}). Start one, for example ` +
        `"redis-server --daemonize yes" or "docker run -d -p 6379:6379 redis:7", or point REDIS_URL at yours.`,
    );
    process.exit(1);
  }
  // Before the app is built: its spans need the SDK registered (HeraldModule flushes it on shutdown).
  if (config.tracing) await startTracing(config.tracing, name === 'all-in-one' ? 'herald' : `herald-${name}`);
  const logger = createPinoLogger(config, name);
  const app = await createHerald(config, typeof apps === 'function' ? apps(config) : apps, name, logger);
  exitAfterStopSignal(config, logger);
  await app.listen(config.port, config.host);
  // Always shown, whatever HERALD_LOG_LEVEL says: where Herald listens, and a generated token (once).
  const startup = logger.child({ context: 'Herald' }, { level: 'info' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const proxy = config.proxyUrl ? `, deliveries through ${redactUrl(config.proxyUrl)}` : '';
  // The token first: "is up" is the line scripts wait for, and everything it announces is said by then.
  if (config.apiTokenGenerated) {
    startup.info(`Generated an API token (saved in ${config.dataDir}/api-token; shown only this once): ${config.apiToken}`);
  }
  startup.info(`Herald ${name} is up: API at ${url}/api/v1 (database ${redactUrl(config.databaseUrl)}, Redis ${redactUrl(config.redisUrl)}${proxy})`);
}
