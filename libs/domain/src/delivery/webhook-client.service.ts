import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Attributes, Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { request } from 'undici';
import { HeraldConfig } from '@herald/config';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  tracer,
} from '@herald/tracing';
import { Egress } from './egress';

/** What one POST to an endpoint came back with. `statusCode` is 0 when no response arrived. */
export interface HttpOutcome {
  statusCode: number;
  body: string;
  /** The response's headers (at most RESPONSE_HEADERS_LIMIT of them); empty without a response. */
  headers: Record<string, string>;
  retryAfter?: string;
  durationMs: number;
}

export const RESPONSE_BODY_LIMIT = 20 * 1024;
export const RESPONSE_HEADERS_LIMIT = 64;

/**
 * Sends webhooks with undici, directly or through HERALD_PROXY_URL (`Egress`). Redirects are never followed,
 * the whole exchange is bounded by the delivery timeout, and at most 20 KB of the response is read.
 * Unless HERALD_ALLOW_PRIVATE_TARGETS is set, only public addresses are reached (SSRF guard).
 */
@Injectable()
export class WebhookClient implements OnModuleDestroy {
  private readonly egress: Egress;

  constructor(private readonly config: HeraldConfig) {
    this.egress = new Egress(config);
  }

  /** POSTs inside a CLIENT span (HTTP semantic conventions) carrying `attributes` too, when the caller is traced. */
  post(url: string, headers: Record<string, string>, body: string, attributes?: Attributes): Promise<HttpOutcome> {
    return tracer.startActiveSpan('POST', { kind: SpanKind.CLIENT }, async (span) => {
      if (span.isRecording()) span.setAttributes({ ...requestAttributes(url), ...attributes });
      try {
        return await this.exchange(url, headers, body, span);
      } finally {
        span.end();
      }
    });
  }

  private async exchange(url: string, headers: Record<string, string>, body: string, span: Span): Promise<HttpOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const signal = AbortSignal.timeout(this.config.deliveryTimeoutMs);
    let statusCode = 0;
    let responseHeaders: Record<string, string> = {};
    try {
      const route = await this.egress.route(url, headers);
      const response = await request(route.url, { method: 'POST', headers: route.headers, body, dispatcher: route.dispatcher, signal });
      statusCode = response.statusCode;
      responseHeaders = flattenHeaders(response.headers);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
      if (statusCode >= 400) span.setAttribute(ATTR_ERROR_TYPE, String(statusCode)).setStatus({ code: SpanStatusCode.ERROR });
      const text = await readCapped(response.body, RESPONSE_BODY_LIMIT);
      return { statusCode, body: text, headers: responseHeaders, retryAfter: responseHeaders['retry-after'], durationMs: elapsed() };
    } catch (error) {
      const reason = signal.aborted ? `timed out after ${this.config.deliveryTimeoutMs} ms` : describe(error);
      if (!statusCode)
        span.setAttribute(ATTR_ERROR_TYPE, signal.aborted ? 'timeout' : errorType(error)).setStatus({ code: SpanStatusCode.ERROR, message: reason });
      return { statusCode, body: statusCode ? `response body unreadable: ${reason}` : reason, headers: responseHeaders, durationMs: elapsed() };
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.egress.close();
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Repeated headers joined with ", " (set-cookie too: this is for reading, not replaying), the first few only. */
function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers).slice(0, RESPONSE_HEADERS_LIMIT)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** The request's semantic-convention attributes; `url.full` without credentials or query string, where secrets tend to live. */
function requestAttributes(url: string): Attributes {
  const parsed = URL.parse(url);
  if (!parsed) return { [ATTR_HTTP_REQUEST_METHOD]: 'POST' }; // the request fails, and says why, in exchange()
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  return {
    [ATTR_HTTP_REQUEST_METHOD]: 'POST',
    [ATTR_URL_FULL]: `${parsed.protocol}//${parsed.host}${parsed.pathname}`,
    [ATTR_SERVER_ADDRESS]: parsed.hostname,
    [ATTR_SERVER_PORT]: port,
  };
}

/** A failed request's `error.type`: the error's code (ECONNREFUSED, UND_ERR_…), else its class. */
function errorType(error: unknown): string {
  const e = error as { code?: string; name?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code ?? e.name ?? 'Error';
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const message = e.cause?.message ?? e.message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
