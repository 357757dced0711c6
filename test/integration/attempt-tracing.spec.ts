import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { DataSource } from 'typeorm';
import { ApplicationService, DeliveryService, DomainModule, EndpointService, MessageIntake } from '@herald/domain';
import { Delivery, Message } from '@herald/persistence';
import { startTestHerald, TestHerald } from '../support/herald';
import { Receiver } from '../support/receiver';

/**
 * How a message's trace context travels, in process, with the SDK recording spans in memory: per message
 * through the intake's batching, and from the stored message to each attempt, whatever context the attempt
 * is made in (a job, the in-memory hand-over, the reconciler: none of them carries the request's).
 */
describe('attempt tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = trace.getTracer('test');
  let herald: TestHerald;
  let receiver: Receiver;
  let db: DataSource;
  const get = <T>(token: unknown) => herald.app.get<T>(token as never, { strict: false });

  beforeAll(async () => {
    provider.register();
    receiver = await new Receiver().start();
    herald = await startTestHerald({ apps: [DomainModule], listen: false, env: { HERALD_RETRY_SCHEDULE: '0s,1s' } });
    db = get(DataSource);
  });
  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  /** Runs `run` inside a new span, standing for an ingest request; answers what it returned and the span's context. */
  async function inRequest<T>(name: string, run: () => Promise<T>) {
    return tracer.startActiveSpan(name, { kind: SpanKind.SERVER }, async (span) => {
      const result = await run();
      span.end();
      return { result, spanContext: span.spanContext() };
    });
  }
  const traceparentOf = ({ traceId, spanId }: { traceId: string; spanId: string }) => `00-${traceId}-${spanId}-01`;
  const attemptSpans = (deliveryId: string) =>
    exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CONSUMER && span.attributes['herald.delivery.id'] === deliveryId);
  const childOf = (parent: ReadableSpan) => exporter.getFinishedSpans().find((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);

  it('keeps each message its own request trace through one batch, and makes every attempt a child of it, whatever the caller', async () => {
    const app = (await get<ApplicationService>(ApplicationService).create({ name: 'traced' })).application;
    const endpoint = await get<EndpointService>(EndpointService).create(app.id, { url: receiver.on('/traced', [502, 200]) });
    const intake = get<MessageIntake>(MessageIntake);
    // Submitted together, the three share one transaction: each keeps its own request's context.
    const sent = await Promise.all(['a', 'b', 'c'].map((name) => inRequest(name, () => intake.accept(app.id, { eventType: 'ping', payload: { name } }))));
    for (const { result: message, spanContext } of sent) {
      expect((await db.getRepository(Message).findOneByOrFail({ id: message.id })).traceparent).toBe(traceparentOf(spanContext));
    }
    expect(new Set(sent.map(({ spanContext }) => spanContext.traceId)).size).toBe(3);

    // Attempts made inside some unrelated span (a job, the reconciler's sweep) still belong to the message's trace.
    const [{ result: message, spanContext: request }] = sent;
    const delivery = await db.getRepository(Delivery).findOneByOrFail({ messageId: message.id });
    const deliveries = get<DeliveryService>(DeliveryService);
    await inRequest('unrelated', () => deliveries.attempt(delivery.id, 1));
    await inRequest('unrelated', () => deliveries.attempt(delivery.id, 2));
    await deliveries.resend(delivery.id);

    const attempts = attemptSpans(delivery.id);
    expect(attempts.map((span) => span.attributes['herald.attempt'])).toEqual([1, 2, 0]);
    expect(attempts.map((span) => span.attributes['herald.outcome'])).toEqual(['retrying', 'succeeded', 'succeeded']);
    for (const attempt of attempts) {
      expect(attempt.spanContext().traceId).toBe(request.traceId);
      expect(attempt.parentSpanContext?.spanId).toBe(request.spanId);
      expect(attempt.attributes).toMatchObject({ 'herald.message.id': message.id, 'herald.endpoint.id': endpoint.id, 'herald.app.id': app.id });
      expect(childOf(attempt)).toMatchObject({ kind: SpanKind.CLIENT, name: 'POST' });
    }
    expect(childOf(attempts[0])!.attributes).toMatchObject({ 'http.response.status_code': 502, 'error.type': '502', 'herald.attempt': 1 });
  });

  it('gives a message created outside any trace no traceparent, and its attempt a trace of its own', async () => {
    const app = (await get<ApplicationService>(ApplicationService).create({ name: 'untraced' })).application;
    await get<EndpointService>(EndpointService).create(app.id, { url: receiver.on('/untraced', 200) });
    const message = await get<MessageIntake>(MessageIntake).accept(app.id, { eventType: 'ping', payload: {} });
    expect((await db.getRepository(Message).findOneByOrFail({ id: message.id })).traceparent).toBeNull();
    const delivery = await db.getRepository(Delivery).findOneByOrFail({ messageId: message.id });
    await get<DeliveryService>(DeliveryService).attempt(delivery.id, 1);
    const [attempt] = attemptSpans(delivery.id);
    expect(attempt.parentSpanContext).toBeUndefined();
  });
});
