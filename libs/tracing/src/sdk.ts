import { diag, DiagLogLevel } from '@opentelemetry/api';
import { Logger } from '@nestjs/common';
import type { TracingSettings } from '@herald/config';

interface Provider {
  shutdown(): Promise<void>;
}

let provider: Provider | undefined;

/**
 * Starts the OpenTelemetry SDK: spans are batched and exported over OTLP/HTTP to the endpoint in
 * OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, which the exporter reads itself (with its headers, timeout and
 * compression), as the SDK reads OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_* and OTEL_TRACES_SAMPLER. The SDK is
 * imported here and nowhere else, so a Herald without tracing never loads it: its spans are the API's no-ops.
 */
export async function startTracing(settings: TracingSettings, defaultServiceName: string): Promise<void> {
  if (provider) return;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { defaultResource, detectResources, envDetector, resourceFromAttributes }, { OTLPTraceExporter }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/resources'),
      settings.protocol === 'http/json' ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
    ]);
  // The SDK's own complaints (an unreachable collector, a full span queue) go to Herald's log as warnings.
  const logger = new Logger('Tracing');
  const warn = (message: string, ...args: unknown[]) => logger.warn([message, ...args.map(String)].join(' '));
  diag.setLogger({ error: warn, warn, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  // Later resources win: the environment (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) over Herald's defaults.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': settings.serviceName ?? defaultServiceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  const sdk = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  // The global tracer, W3C trace-context propagation and the AsyncLocalStorage context manager.
  sdk.register();
  provider = sdk;
}

/** How long shutdown waits for the last spans to be exported: an unreachable collector must not hold the process up. */
const FLUSH_TIMEOUT_MS = 5_000;

/** Exports the spans still buffered and stops the SDK (on shutdown); nothing when tracing is off. */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = undefined;
  if (!stopping) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([stopping.shutdown(), new Promise((resolve) => (timer = setTimeout(resolve, FLUSH_TIMEOUT_MS)))]);
  clearTimeout(timer);
}
