import { Context, context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';

/** Herald's tracer: the API's no-op until startTracing registers the SDK. */
export const tracer = trace.getTracer('herald');

/**
 * The active span as a W3C `traceparent`, to be stored with what it started (a message) and picked up by
 * whatever continues it later, in this process or another; null when nothing is traced.
 */
export function activeTraceparent(): string | null {
  if (!trace.getActiveSpan()) return null;
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** The context a stored `traceparent` continues (the root context without one). */
export function contextOf(traceparent: string | null | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}
