import { Attributes, Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Delivery, Message } from '@herald/persistence';
import { jobId } from '@herald/queue';
import {
  ATTR_HERALD_APP_ID,
  ATTR_HERALD_ATTEMPT,
  ATTR_HERALD_DELIVERY_ID,
  ATTR_HERALD_ENDPOINT_ID,
  ATTR_HERALD_EVENT_TYPE,
  ATTR_HERALD_MESSAGE_ID,
  ATTR_HERALD_OUTCOME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  contextOf,
  tracer,
} from '@herald/tracing';
import type { Conclusion } from './conclusion';

interface Attempted {
  delivery: Delivery;
  message: Message;
}

/** What identifies an attempt, on its span and on its HTTP request's. */
export function attemptAttributes({ delivery, message }: Attempted, attempt: number): Attributes {
  return {
    [ATTR_HERALD_APP_ID]: delivery.appId,
    [ATTR_HERALD_MESSAGE_ID]: message.id,
    [ATTR_HERALD_EVENT_TYPE]: message.eventType,
    [ATTR_HERALD_ENDPOINT_ID]: delivery.endpointId,
    [ATTR_HERALD_DELIVERY_ID]: delivery.id,
    [ATTR_HERALD_ATTEMPT]: attempt,
  };
}

/**
 * Runs an attempt that sends inside its span. Following the OpenTelemetry messaging conventions, an attempt is
 * the processing of one message of Herald's delivery queue: a CONSUMER span whose parent is the context the
 * message was created in (its stored traceparent, the ingest request's span), whichever way the attempt came
 * (in memory, a first-attempts job, a retry or parked job, the reconciler). Every attempt, retries included,
 * is so a child of the one trace of its message. `startTime` is when the attempt began, before the message
 * (and with it the trace) was loaded.
 */
export function traceAttempt<T>(attempted: Attempted, attempt: number, startTime: number, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan('process deliveries', { kind: SpanKind.CONSUMER, startTime }, contextOf(attempted.message.traceparent), async (span) => {
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR_MESSAGING_SYSTEM]: 'herald',
        [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
        [ATTR_MESSAGING_OPERATION_NAME]: 'process',
        [ATTR_MESSAGING_DESTINATION_NAME]: 'deliveries',
        [ATTR_MESSAGING_MESSAGE_ID]: jobId.delivery(attempted.delivery.id, attempt),
        ...attemptAttributes(attempted, attempt),
      });
    }
    try {
      return await run(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Notes what the attempt came to; a failed attempt (retried or not) marks its span as an error. */
export function traceConclusion(span: Span, conclusion: Conclusion | { outcome: 'succeeded' | 'failed' }): void {
  span.setAttribute(ATTR_HERALD_OUTCOME, conclusion.outcome);
  if (conclusion.outcome !== 'succeeded') span.setStatus({ code: SpanStatusCode.ERROR, message: `attempt failed: ${conclusion.outcome}` });
}
