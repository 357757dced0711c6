import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { request } from 'undici';
import { HeraldConfig } from '@herald/config';
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

  async post(url: string, headers: Record<string, string>, body: string): Promise<HttpOutcome> {
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
      const text = await readCapped(response.body, RESPONSE_BODY_LIMIT);
      return { statusCode, body: text, headers: responseHeaders, retryAfter: responseHeaders['retry-after'], durationMs: elapsed() };
    } catch (error) {
      const reason = signal.aborted ? `timed out after ${this.config.deliveryTimeoutMs} ms` : describe(error);
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

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const message = e.cause?.message ?? e.message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
