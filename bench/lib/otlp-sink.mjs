// A local OTLP/HTTP sink for the tracing scenario: takes POST /v1/traces (protobuf, Herald's default),
// answers 200 at once and counts the spans, so the report can say how many of those Herald made arrived.
import { createServer } from 'node:http';
import protobuf from 'protobufjs';

// Just enough of OTLP's trace schema to count spans: every other field is skipped by the decoder.
const Request = protobuf
  .parse(
    `syntax = "proto3";
     message Request { repeated ResourceSpans resource_spans = 1; }
     message ResourceSpans { repeated ScopeSpans scope_spans = 2; }
     message ScopeSpans { repeated Span spans = 2; }
     message Span { bytes span_id = 2; }`,
  )
  .root.lookupType('Request');

export async function startOtlpSink() {
  const counts = { requests: 0, bytes: 0, spans: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      counts.requests++;
      counts.bytes += body.length;
      for (const resourceSpans of Request.decode(body).resourceSpans)
        for (const scopeSpans of resourceSpans.scopeSpans) counts.spans += scopeSpans.spans.length;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
