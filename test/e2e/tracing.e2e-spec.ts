import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Svix } from 'svix';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { deleteRedisPrefix, REDIS_URL } from '../support/herald';
import { OtlpCollector, ReceivedSpan, SPAN_KIND } from '../support/otlp-collector';
import { ENTRYPOINT, freePort, HeraldProcess } from '../support/process';
import { Receiver } from '../support/receiver';
import { SseClient } from '../support/sse-client';
import { sleep, waitFor } from '../support/wait';

const PROBE = join(__dirname, '..', 'support', 'loaded-modules.js');
/** Processes here start three or four at a time, on a machine that may be busy. */
const STARTUP_MS = 60_000;
/** How long a delivery or an export may take there. */
const WAIT_MS = 60_000;
jest.setTimeout(180_000);

/** Tracing through the real entrypoints, exporting to a real OTLP/HTTP collector. */
describe('OpenTelemetry tracing', () => {
  let collector: OtlpCollector;
  let receiver: Receiver;
  let workDir: string;
  const prefix = `herald-trace-${randomBytes(4).toString('hex')}`;
  const token = `trace-token-${randomBytes(8).toString('hex')}`;
  const started: HeraldProcess[] = [];
  const run = (entry: string, env: Record<string, string>) => {
    const proc = new HeraldProcess(entry, env, workDir);
    started.push(proc);
    return proc;
  };
  const baseEnv = (port: number) => ({
    REDIS_URL,
    HERALD_PORT: String(port),
    HERALD_QUEUE_PREFIX: prefix,
    HERALD_API_TOKEN: token,
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    HERALD_RETRY_SCHEDULE: '0s,1s',
  });

  beforeEach(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'herald-trace-'));
    collector = await new OtlpCollector().start();
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((proc) => proc.stop()));
    await collector.stop();
    await receiver.stop();
    rmSync(workDir, { recursive: true, force: true });
    await deleteRedisPrefix(prefix);
  });

  /** The modules a running Herald has loaded, as the preloaded probe reports them. */
  async function loadedModules(herald: HeraldProcess, file: string): Promise<string[]> {
    herald.child.kill('SIGWINCH');
    await waitFor('the loaded-modules probe', () => existsSync(file));
    return JSON.parse(readFileSync(file, 'utf8')) as string[];
  }
  const sdkModules = (modules: string[]) => modules.filter((file) => /@opentelemetry[\\/](sdk-|exporter-|resources)/.test(file));

  async function sendMessage(port: number, appId: string, headers: Record<string, string> = {}): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/app/${appId}/msg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ eventType: 'invoice.paid', payload: { invoice: 42 } }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  /** The spans of one message's trace: its ingest span, and per attempt a CONSUMER span with its CLIENT span. */
  function messageTrace(messageId: string, attempts: number) {
    const ingest = collector.spans.find((span) => span.kind === SPAN_KIND.server && span.attributes['herald.message.id'] === messageId);
    if (!ingest) return undefined;
    const spans = collector.trace(ingest.traceId);
    const consumers = spans.filter((span) => span.kind === SPAN_KIND.consumer).sort((a, b) => a.startMs - b.startMs);
    const clients = consumers.map((consumer) => spans.find((span) => span.kind === SPAN_KIND.client && span.parentSpanId === consumer.spanId));
    if (consumers.length < attempts || clients.some((client) => !client)) return undefined;
    return { ingest, consumers, clients: clients as ReceivedSpan[] };
  }

  function expectAttempt(consumer: ReceivedSpan, client: ReceivedSpan, ids: Record<string, string>, attempt: number, status: number, url: string): void {
    expect(consumer).toMatchObject({
      name: 'process deliveries',
      attributes: expect.objectContaining({
        'messaging.system': 'herald',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'deliveries',
        'herald.attempt': attempt,
        'herald.outcome': status === 200 ? 'succeeded' : 'retrying',
        ...ids,
      }),
      statusCode: status === 200 ? 0 : 2,
    });
    const { hostname, port } = new URL(url);
    expect(client).toMatchObject({
      name: 'POST',
      traceId: consumer.traceId,
      attributes: expect.objectContaining({
        'http.request.method': 'POST',
        'url.full': url,
        'server.address': hostname,
        'server.port': Number(port),
        'http.response.status_code': status,
        'herald.attempt': attempt,
        ...ids,
      }),
      statusCode: status === 200 ? 0 : 2,
    });
    if (status >= 400) expect(client.attributes['error.type']).toBe(String(status));
  }

  it('all-in-one on SQLite, http/protobuf: the ingest request and each attempt of its delivery are one trace, continuing the caller', async () => {
    const port = await freePort();
    const modulesFile = join(workDir, 'modules.json');
    const herald = await run(ENTRYPOINT.allInOne, {
      ...baseEnv(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: 'herald-under-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      NODE_OPTIONS: `--require ${PROBE}`,
      LOADED_MODULES_FILE: modulesFile,
    }).ready(STARTUP_MS);
    expect(sdkModules(await loadedModules(herald, modulesFile))).not.toHaveLength(0); // the probe sees the SDK when it is there

    const svix = new Svix(token, { serverUrl: `http://127.0.0.1:${port}` });
    const app = await svix.application.create({ name: 'Traced' });
    // The query string is where secrets tend to be: the span's url.full leaves it out.
    const endpoint = await svix.endpoint.create(app.id, { url: receiver.on('/traced?token=s3cret', [500, 200]) });
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const messageId = await sendMessage(port, app.id, { traceparent: `00-${callerTrace}-${callerSpan}-01` });
    await waitFor('two attempts', () => receiver.at('/traced?token=s3cret').length === 2, WAIT_MS);

    const { ingest, consumers, clients } = await waitFor('the trace of the message', () => messageTrace(messageId, 2), WAIT_MS);
    expect(ingest).toMatchObject({
      traceId: callerTrace,
      parentSpanId: callerSpan,
      name: 'POST /api/v1/app/:app_id/msg',
      encoding: 'application/x-protobuf',
      attributes: expect.objectContaining({
        'http.request.method': 'POST',
        'http.route': '/api/v1/app/:app_id/msg',
        'url.path': `/api/v1/app/${app.id}/msg`,
        'http.response.status_code': 202,
        'herald.app.id': app.id,
        'herald.message.id': messageId,
        'herald.event_type': 'invoice.paid',
      }),
      resource: expect.objectContaining({ 'service.name': 'herald-under-test', 'deployment.environment.name': 'test' }),
    });
    const ids = { 'herald.app.id': app.id, 'herald.message.id': messageId, 'herald.endpoint.id': endpoint.id };
    // The retry is a second child of the same ingest span, a second or so later.
    expect(consumers.map((consumer) => consumer.parentSpanId)).toEqual([ingest.spanId, ingest.spanId]);
    expectAttempt(consumers[0], clients[0], ids, 1, 500, `${receiver.url}/traced`);
    expectAttempt(consumers[1], clients[1], ids, 2, 200, `${receiver.url}/traced`);
    expect(consumers[1].attributes['herald.delivery.id']).toBe(consumers[0].attributes['herald.delivery.id']);
    // Trace context stays inside Herald: endpoints are third parties.
    expect(receiver.at('/traced?token=s3cret')[0].headers.traceparent).toBeUndefined();
    // A live stream's span ends when the client goes; probes are not traced.
    const stream = new SseClient(`http://127.0.0.1:${port}/api/v1/app/${app.id}/stream`, { authorization: `Bearer ${token}` });
    await waitFor('the stream connected', () => stream.of('connected').length, WAIT_MS);
    stream.close();
    const streamed = await waitFor(
      'the stream span',
      () => collector.spans.find((span) => span.attributes['url.path'] === `/api/v1/app/${app.id}/stream`),
      WAIT_MS,
    );
    expect(streamed).toMatchObject({
      kind: SPAN_KIND.server,
      attributes: expect.objectContaining({ 'http.response.status_code': 200, 'error.type': 'aborted' }),
    });
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).ok).toBe(true);
    await sleep(300);
    expect(collector.spans.filter((span) => String(span.attributes['url.path']).includes('health'))).toEqual([]);
  });

  describe('split mode on PostgreSQL', () => {
    let database: TestDatabase;
    beforeAll(async () => (database = await createTestDatabase('postgres')));
    afterAll(() => database.drop());

    it('http/json: the ingest and the delivery process add to one trace, and SIGTERM exports what is still buffered', async () => {
      const env = (port: number) => ({
        ...baseEnv(port),
        DATABASE_URL: database.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Nothing is exported on the schedule during the test: what arrives is the shutdown's flush.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      });
      expect(await run(ENTRYPOINT.migrate, { ...env(0), OTEL_EXPORTER_OTLP_ENDPOINT: '' }).exited()).toBe(0);
      const [ingestPort, adminPort] = [await freePort(), await freePort()];
      const [ingest, , delivery] = await Promise.all([
        run(ENTRYPOINT.ingest, env(ingestPort)).ready(STARTUP_MS),
        run(ENTRYPOINT.admin, env(adminPort)).ready(STARTUP_MS),
        run(ENTRYPOINT.delivery, env(await freePort())).ready(STARTUP_MS),
      ]);
      const admin = new Svix(token, { serverUrl: `http://127.0.0.1:${adminPort}` });
      const app = await admin.application.create({ name: 'Split traced' });
      const endpoint = await admin.endpoint.create(app.id, { url: receiver.on('/split', [503, 200]) });
      const messageId = await sendMessage(ingestPort, app.id);
      await waitFor('two attempts', () => receiver.at('/split').length === 2, WAIT_MS);
      await sleep(500); // the second attempt recorded
      expect(collector.spans.filter((span) => span.resource['service.name'] !== 'herald-admin')).toEqual([]);

      expect(await ingest.stop()).toBe(true);
      expect(await delivery.stop()).toBe(true);
      const { ingest: ingestSpan, consumers, clients } = await waitFor('the trace of the message', () => messageTrace(messageId, 2), 5_000);
      expect(ingestSpan).toMatchObject({
        encoding: 'application/json',
        parentSpanId: '',
        resource: expect.objectContaining({ 'service.name': 'herald-ingest' }),
      });
      for (const span of [...consumers, ...clients]) expect(span.resource['service.name']).toBe('herald-delivery');
      expect(consumers.map((consumer) => consumer.parentSpanId)).toEqual([ingestSpan.spanId, ingestSpan.spanId]);
      const ids = { 'herald.app.id': app.id, 'herald.message.id': messageId, 'herald.endpoint.id': endpoint.id };
      expectAttempt(consumers[0], clients[0], ids, 1, 503, `${receiver.url}/split`);
      expectAttempt(consumers[1], clients[1], ids, 2, 200, `${receiver.url}/split`);
    });
  });

  it('is off without an OTLP endpoint: no SDK module is loaded; OTEL_SDK_DISABLED keeps it off even with one, and nothing is exported', async () => {
    const settings: Record<string, string>[] = [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SDK_DISABLED: 'true', OTEL_BSP_SCHEDULE_DELAY: '100' }];
    for (const otel of settings) {
      const port = await freePort();
      const modulesFile = join(workDir, `modules-${port}.json`);
      const herald = await run(ENTRYPOINT.allInOne, {
        ...baseEnv(port),
        ...otel,
        NODE_OPTIONS: `--require ${PROBE}`,
        LOADED_MODULES_FILE: modulesFile,
      }).ready(STARTUP_MS);
      const svix = new Svix(token, { serverUrl: `http://127.0.0.1:${port}` });
      const app = await svix.application.create({ name: 'Untraced' });
      await svix.endpoint.create(app.id, { url: receiver.on(`/untraced-${port}`, 200) });
      await sendMessage(port, app.id, { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` });
      await waitFor('the delivery', () => receiver.at(`/untraced-${port}`).length === 1, WAIT_MS);

      const modules = await loadedModules(herald, modulesFile);
      expect(modules.some((file) => file.includes('@opentelemetry/api'))).toBe(true); // the no-op API only
      expect(sdkModules(modules)).toEqual([]);
      await sleep(500);
      expect(await herald.stop()).toBe(true);
      expect(collector.requests).toEqual([]);
    }
  });
});
