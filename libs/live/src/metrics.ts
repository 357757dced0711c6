import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QueueDepths } from '@herald/queue';

/** Prometheus metrics of this process (each process of a split deployment serves its own at /metrics). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

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

  readonly sseConnections = new Gauge({ name: 'herald_sse_connections', help: 'Open SSE streams', registers: [this.registry] });

  readonly sseDropped = new Counter({
    name: 'herald_sse_slow_clients_dropped_total',
    help: 'SSE streams closed because the client did not keep up (it resumes with Last-Event-ID)',
    registers: [this.registry],
  });

  constructor(depths: QueueDepths) {
    collectDefaultMetrics({ register: this.registry, prefix: 'herald_process_' });
    new Gauge({
      name: 'herald_queue_jobs',
      help: 'Jobs in each queue by state',
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
