import { Injectable } from '@nestjs/common';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import { QueueDepths } from '@herald/queue';

/** Seconds, from a millisecond through a day: HTTP requests, attempts, and deliveries that waited for retries. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1_800, 7_200, 21_600, 86_400];

/**
 * Prometheus metrics of this process (each process of a split deployment serves its own at /metrics).
 * Labels stay bounded: outcomes, queue names, route templates and status classes, never an application,
 * endpoint or URL. Every series also carries `role` (all-in-one, ingest, delivery, admin), set at start-up.
 */
/** One thread's metrics as `Registry.getMetricsAsJSON` gives them. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

@Injectable()
export class Metrics {
  readonly registry = new Registry();
  /** Other threads of this process whose metrics every scrape adds to this one's. */
  private readonly threads: (() => Promise<MetricsSnapshot>)[] = [];

  readonly deliveries = new Counter({
    name: 'herald_deliveries_total',
    help: 'Delivery attempts by outcome: succeeded, retrying, exhausted, failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly attemptDuration = new Histogram({
    name: 'herald_attempt_duration_seconds',
    help: 'Duration of delivery attempts, from request to response (or timeout)',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly deliveryLatency = new Histogram({
    name: 'herald_delivery_latency_seconds',
    help: 'From the message being accepted to an attempt finishing, by attempt (first, retry, or manual for a resend) and outcome',
    labelNames: ['attempt', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly messagesAccepted = new Counter({
    name: 'herald_messages_accepted_total',
    help: 'Messages accepted (stored) by ingest',
    registers: [this.registry],
  });

  readonly deliveriesCreated = new Counter({
    name: 'herald_message_deliveries_created_total',
    help: 'Deliveries created for accepted messages: one per subscribed endpoint (the fan-out)',
    registers: [this.registry],
  });

  readonly httpRequestDuration = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'HTTP requests by method, route template ("" when no route matched) and status class (2xx, 4xx…), from arrival to response',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: LATENCY_BUCKETS.slice(0, 13),
    registers: [this.registry],
  });

  readonly sseConnections = new Gauge({ name: 'herald_sse_connections', help: 'Open SSE streams', registers: [this.registry] });

  readonly sseDropped = new Counter({
    name: 'herald_sse_slow_clients_dropped_total',
    help: 'SSE streams closed because the client did not keep up (it resumes with Last-Event-ID)',
    registers: [this.registry],
  });

  constructor(private readonly depths: QueueDepths) {
    // Node.js's own under their standard names (process_cpu_seconds_total, nodejs_eventloop_lag_seconds…).
    collectDefaultMetrics({ register: this.registry });
  }

  /** What /metrics serves: this thread's metrics, summed with those of the process's other threads. */
  async exposition(): Promise<string> {
    if (this.threads.length === 0) return this.registry.metrics();
    const snapshots = await Promise.all([this.registry.getMetricsAsJSON(), ...this.threads.map((snapshot) => snapshot())]);
    return AggregatorRegistry.aggregate(snapshots).metrics();
  }

  /** Adds another thread's metrics (the all-in-one's delivery thread) to every scrape. */
  includeThread(snapshot: () => Promise<MetricsSnapshot>): void {
    this.threads.push(snapshot);
  }

  /** Herald's own series, for another thread to include (Node.js's are the process's, so the main thread has them). */
  async ownSnapshot(): Promise<MetricsSnapshot> {
    return (await this.registry.getMetricsAsJSON()).filter((metric) => metric.name.startsWith('herald_'));
  }

  /** Which process this is, on every series. */
  labelRole(role: string): void {
    this.registry.setDefaultLabels({ role });
  }

  /**
   * The queues' depths, which are global (in Redis): exported only by processes that run the admin app (and
   * the all-in-one), so that scaling ingest and delivery adds no series to sum by mistake and no Redis
   * commands per scrape. Several admin replicas each export the same numbers: aggregate with max, not sum.
   */
  exportQueueDepths(): void {
    if (this.registry.getSingleMetric('herald_queue_jobs')) return;
    const depths = this.depths;
    new Gauge({
      name: 'herald_queue_jobs',
      help: 'Jobs in each queue by state (global, from Redis; exported by admin processes only: aggregate with max)',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        for (const [queue, depth] of Object.entries(await depths.read())) {
          for (const [state, count] of Object.entries(depth)) this.set({ queue, state }, count);
        }
      },
    });
  }
}
