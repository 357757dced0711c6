import type { LoggerService } from '@nestjs/common';
import pino, { Logger, LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import type { HeraldConfig } from '@herald/config';
import { requestContext } from './request-context';

/**
 * Never written out, wherever they appear in a logged object (top level or one level down). Herald logs
 * no request headers or bodies; this is the net under future mistakes. URLs go through redactUrl instead.
 */
const REDACTED = ['authorization', 'cookie', '["set-cookie"]', 'apiToken', 'token', 'secret', 'password'].flatMap((key) => {
  const member = key.startsWith('[') ? key : `.${key}`;
  return [key, `*${member}`, `*.headers${member}`];
});

/** Herald's pino logger: JSON lines, or one readable line per entry (`HERALD_LOG_FORMAT=text`). */
export function createPinoLogger(config: Pick<HeraldConfig, 'logLevel' | 'logFormat'>, role: string): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { pid: process.pid, role },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED, censor: '***' },
    // The request being served, on every line written while serving it.
    mixin: () => requestContext.getStore() ?? {},
  };
  if (config.logFormat === 'json') return pino(options, pino.destination({ fd: 1, sync: true }));
  const pretty = pinoPretty({
    sync: true,
    singleLine: true,
    colorize: process.stdout.isTTY,
    translateTime: 'SYS:HH:MM:ss.l',
    // The access log's fields are in its message already.
    ignore: 'pid,role,context,method,route,status,durationMs',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
  return pino(options, pretty);
}

/** Nest's bootstrap chatter (modules loaded, every route mapped): debug, so that start-up shows what matters. */
const NEST_BOOTSTRAP = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/**
 * Nest's logger (`new Logger('X').log(…)`, the framework's own lines) written through pino, so that every
 * line has one format, one level setting and the request id. Nest passes the context last, and for errors
 * a stack before it.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest.length && typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    this.write(context && NEST_BOOTSTRAP.has(context) ? 'debug' : 'info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const params = [...rest];
    const context = params.length && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const stack = level === 'error' && typeof params[0] === 'string' ? params[0] : undefined;
    const fields = { context, ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (message && typeof message === 'object') {
      const { msg, ...data } = message as { msg?: unknown };
      this.pino[level]({ ...fields, ...data }, typeof msg === 'string' ? msg : undefined);
    } else this.pino[level](fields, String(message));
  }
}
