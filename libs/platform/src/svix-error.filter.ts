import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ConflictError, InvalidInputError, NotFoundError } from '@herald/domain';
import { isDatabaseUnavailable } from '@herald/persistence';

interface ErrorBody {
  code: string;
  detail: unknown;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'authentication_failed',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation',
  429: 'rate_limited',
};

/**
 * Every error leaves as Svix's `{ code, detail }`: domain errors, Nest's HTTP exceptions, and Fastify's
 * own (malformed JSON 400, body too large 413). Anything else is a 500 whose cause goes to the log only.
 */
@Catch()
export class SvixErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = this.describe(error);
    if (status >= 500) this.logger.error({ msg: 'unhandled error', error: (error as Error)?.stack ?? String(error) });
    void reply.status(status).header('content-type', 'application/json').send(body);
  }

  private describe(error: unknown): [number, ErrorBody] {
    if (error instanceof NotFoundError) return [404, { code: 'not_found', detail: error.message }];
    if (error instanceof ConflictError) return [409, { code: 'conflict', detail: error.message }];
    if (error instanceof InvalidInputError) return [422, { code: 'validation', detail: [{ loc: error.loc, msg: error.message, type: 'value_error' }] }];
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const response = error.getResponse();
      if (typeof response === 'object' && response && 'code' in response) return [status, response as ErrorBody];
      const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? error.message);
      return [status, { code: CODE_BY_STATUS[status] ?? 'error', detail: Array.isArray(message) ? message.join('; ') : String(message) }];
    }
    if (isDatabaseUnavailable(error)) {
      return [HttpStatus.SERVICE_UNAVAILABLE, { code: 'service_unavailable', detail: 'The database is unavailable; nothing was stored. Retry shortly.' }];
    }
    const fastifyStatus = (error as { statusCode?: number })?.statusCode;
    if (fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500) {
      return [fastifyStatus, { code: CODE_BY_STATUS[fastifyStatus] ?? 'bad_request', detail: (error as Error).message }];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, { code: 'internal_error', detail: 'Internal error; see the server log' }];
  }
}
