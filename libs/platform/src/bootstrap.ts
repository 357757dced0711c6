import fastifyCookie from '@fastify/cookie';
import { ConsoleLogger, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { stringifyWithRawJson } from '@herald/api';
import { ConfigError, HeraldConfig, loadConfig, redactUrl } from '@herald/config';
import { probeRedis } from '@herald/queue';
import { startTracing } from '@herald/tracing';
import { HeraldModule } from './herald.module';
import { limitRequestRates, parseJsonBodies, registerIdempotency, sendSecurityHeaders, traceRequests } from './http';
import { serveOpenApi } from './openapi';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function createLogger(config: HeraldConfig): ConsoleLogger {
  const logLevels = LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1);
  // One line per entry in text mode too: structured fields stay greppable.
  return new ConsoleLogger({
    logLevels,
    json: config.logFormat === 'json',
    colors: config.logFormat === 'text' && process.stdout.isTTY,
    compact: true,
    breakLength: Infinity,
  });
}

/** Builds a Herald process running `apps`, on Fastify, ready to `listen`. */
export async function createHerald(config: HeraldConfig, apps: Type[]): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.maxPayloadBytes });
  const app = await NestFactory.create<NestFastifyApplication>(HeraldModule.forRoot(config, apps), adapter, {
    logger: createLogger(config),
  });
  app.enableShutdownHooks();
  // First, so that a request's span covers every hook after it.
  if (config.tracing) traceRequests(app);
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

/**
 * The entrypoint of every Herald process: validate config, check Redis, boot, listen, say where.
 * Problems a user can fix (bad config, no Redis) end the process with one clear message, not a stack.
 */
export async function runHerald(name: string, apps: Type[]): Promise<void> {
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
  const app = await createHerald(config, apps);
  await app.listen(config.port, config.host);
  // Always shown, whatever HERALD_LOG_LEVEL says: where Herald listens, and a generated token (once).
  const logger = createLogger({ ...config, logLevel: 'log' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const proxy = config.proxyUrl ? `, deliveries through ${redactUrl(config.proxyUrl)}` : '';
  logger.log(`Herald ${name} is up: API at ${url}/api/v1 (database ${redactUrl(config.databaseUrl)}, Redis ${redactUrl(config.redisUrl)}${proxy})`, 'Herald');
  if (config.apiTokenGenerated) {
    logger.log(`Generated an API token (saved in ${config.dataDir}/api-token; shown only this once): ${config.apiToken}`, 'Herald');
  }
}
