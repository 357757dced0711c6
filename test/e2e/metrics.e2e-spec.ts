import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Svix } from 'svix';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { startTestHerald, TestHerald } from '../support/herald';
import { REPO_ROOT } from '../support/process';
import { Receiver } from '../support/receiver';
import { waitFor } from '../support/wait';

/** Sample lines of a Prometheus text exposition: name, labels as written, value. */
function samples(text: string): { name: string; labels: string; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line)!;
      return { name: match[1], labels: match[2] ?? '', value: Number(match[3]) };
    });
}

/** Every metric name a PromQL expression reads (function names and label names excluded). */
function metricNames(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\b(by|without) \([^)]*\)/g, '');
  return [...withoutLabels.matchAll(/\b([a-z_:][a-z0-9_:]*)\b(?!\s*\()/g)]
    .map((match) => match[1])
    .filter((name) => name.includes('_') && !name.startsWith('__'));
}

/**
 * /metrics of a real Herald after real traffic: Node.js's metrics under their standard names, a `role` on
 * every series, the ingest, HTTP and delivery latency metrics moving, the queue depths exported by the
 * admin role only, and every metric the Grafana dashboard in docs/ queries.
 */
describe('metrics', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let scrape: () => Promise<string>;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    herald = await startTestHerald();
    scrape = async () => (await fetch(`${herald.url}/metrics`)).text();
    const svix = new Svix(herald.token, { serverUrl: herald.url });
    const app = await svix.application.create({ name: 'metrics' });
    await svix.endpoint.create(app.id, { url: receiver.on('/hook', 200) });
    for (let i = 0; i < 3; i++) await svix.message.create(app.id, { eventType: 'invoice.paid', payload: { i } });
    await waitFor('three deliveries', () => receiver.at('/hook').length === 3);
    await waitFor('the attempts to be counted', async () => /herald_deliveries_total\{outcome="succeeded"[^}]*\} 3/.test(await scrape()));
  });

  afterAll(async () => {
    await herald?.close();
    await receiver?.stop();
  });

  it("exports Node.js's metrics under their standard names, each series labelled with the process's role", async () => {
    const exported = samples(await scrape());
    const names = new Set(exported.map((sample) => sample.name));
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(names).toContain(name);
    }
    expect([...names].filter((name) => name.startsWith('herald_process_'))).toEqual([]);
    for (const sample of exported) expect(sample.labels).toContain('role="all-in-one"');
  });

  it('counts accepted messages, their deliveries, HTTP requests by route template and status class, and delivery latency', async () => {
    const exported = samples(await scrape());
    const value = (name: string, labels: string[] = []) =>
      exported.find((sample) => sample.name === name && labels.every((label) => sample.labels.includes(label)))?.value;
    expect(value('herald_messages_accepted_total')).toBe(3);
    expect(value('herald_message_deliveries_created_total')).toBe(3);
    expect(value('herald_http_request_duration_seconds_count', ['method="POST"', 'route="/api/v1/app/:app_id/msg"', 'status_class="2xx"'])).toBe(3);
    expect(value('herald_delivery_latency_seconds_count', ['attempt="first"', 'outcome="succeeded"'])).toBe(3);
    expect(value('herald_delivery_latency_seconds_bucket', ['le="+Inf"', 'attempt="first"'])).toBe(3);
    // No label holds an id or a URL: the application's id appears nowhere.
    expect(exported.filter((sample) => /app_[0-9A-Za-z]{10,}/.test(sample.labels))).toEqual([]);
  });

  it('exports the queue depths once per admin process, and not from ingest or delivery processes', async () => {
    const depths = samples(await scrape()).filter((sample) => sample.name === 'herald_queue_jobs');
    expect(depths.map((sample) => sample.labels)).toContainEqual(expect.stringContaining('queue="deliveries",state="waiting"'));
    const ingest = await startTestHerald({ apps: [IngestModule] });
    try {
      const text = await (await fetch(`${ingest.url}/metrics`)).text();
      expect(text).toContain('herald_messages_accepted_total');
      expect(text).not.toContain('herald_queue_jobs');
    } finally {
      await ingest.close();
    }
  });

  it('exports every metric the Grafana dashboard in docs/ queries', async () => {
    const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'grafana-dashboard.json'), 'utf8'));
    const queried = new Set<string>(dashboard.panels.flatMap((panel: any) => panel.targets.flatMap((target: any) => metricNames(target.expr))));
    expect(queried.size).toBeGreaterThan(10);
    const exported = new Set(samples(await scrape()).map((sample) => sample.name));
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
  });
});
