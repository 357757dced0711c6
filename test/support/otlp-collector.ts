import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { parse, Type } from 'protobufjs';

/** The part of OTLP's trace protocol (opentelemetry-proto, trace/v1 and common/v1) the tests read; protobuf skips the rest. */
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
  }
}
`;

const ExportTraceServiceRequest: Type = parse(OTLP_TRACE_PROTO).root.lookupType('otlp.ExportTraceServiceRequest');

/** OTLP span kinds. */
export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export type AttributeValue = string | number | boolean;

/** A received span, the same whichever encoding it came in; ids as lowercase hex. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startMs: number;
  attributes: Record<string, AttributeValue>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  resource: Record<string, AttributeValue>;
  /** The request's content type: application/x-protobuf or application/json. */
  encoding: string;
}

/**
 * A local OTLP/HTTP collector: a real HTTP server receiving POST /v1/traces, in protobuf (decoded with
 * protobufjs against the OTLP schema) or JSON (decoded as the OTLP JSON mapping says: hex ids, camelCase).
 */
export class OtlpCollector {
  readonly spans: ReceivedSpan[] = [];
  readonly requests: { path: string; contentType: string }[] = [];
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void this.receive(request).then(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
        (error: Error) => response.writeHead(400).end(error.message),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  private async receive(request: IncomingMessage): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0];
    this.requests.push({ path: request.url ?? '', contentType });
    if (request.method !== 'POST' || request.url !== '/v1/traces') throw new Error(`unexpected ${request.method} ${request.url}`);
    const decoded =
      contentType === 'application/x-protobuf'
        ? ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, bytes: String })
        : JSON.parse(body.toString('utf8'));
    const hex = (id: string | undefined) =>
      !id ? '' : contentType === 'application/x-protobuf' ? Buffer.from(id, 'base64').toString('hex') : id.toLowerCase();
    for (const resourceSpans of decoded.resourceSpans ?? []) {
      const resource = attributesOf(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: span.name,
            kind: Number(span.kind ?? 0),
            startMs: Number(BigInt(span.startTimeUnixNano) / 1_000_000n),
            attributes: attributesOf(span.attributes),
            statusCode: Number(span.status?.code ?? 0),
            resource,
            encoding: contentType,
          });
        }
      }
    }
  }
}

function attributesOf(list: { key: string; value?: Record<string, unknown> }[] | undefined): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    if (!value) continue;
    if (value.stringValue !== undefined) attributes[key] = value.stringValue as string;
    else if (value.intValue !== undefined) attributes[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) attributes[key] = Number(value.doubleValue);
    else if (value.boolValue !== undefined) attributes[key] = Boolean(value.boolValue);
  }
  return attributes;
}
