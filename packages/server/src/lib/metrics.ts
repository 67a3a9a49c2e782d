// Prometheus metrics: request counts and latency by route template, audit events by outcome, on
// SQLite the WAL checkpoint worker, and the domain metrics (rotations, due secrets, providers, the
// read cache, secret reads and writes, denied requests, anomalies, audit sinks, leases) listed in
// docs/observability.md. Labels never carry secret names, values, tokens or tenant-supplied text:
// route templates, catalogue codes, kinds and types only. Per-request accounting is plain counters
// handed to prom-client when it is scraped: prom-client hashes the label set on every observation,
// which cost about 10 µs of each request.
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { createDomainMetrics } from './domain-metrics.js';

const LATENCY = 'keyhaven_http_request_duration_seconds';
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];

interface RouteLatency {
  buckets: number[];
  sum: number;
  count: number;
}

export const createMetrics = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'keyhaven_' });
  // Gauges named *_total break the Prometheus naming rules (promtool warns); the same counts are the
  // sums of keyhaven_nodejs_active_handles / _requests / _resources by type.
  for (const n of ['handles', 'requests', 'resources']) registry.removeSingleMetric(`keyhaven_nodejs_active_${n}_total`);
  const domain = createDomainMetrics(registry);
  const auditEvents = new Counter({
    name: 'keyhaven_audit_events_total',
    help: 'Audit events stored, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });

  // Counts since the last scrape, by (route, method, status); folded into the counter on scrape.
  const unscraped = new Map<string, { labels: { route: string; method: string; status: string }; n: number }>();
  new Counter({
    name: 'keyhaven_http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
    collect() {
      for (const e of unscraped.values()) {
        if (e.n > 0) this.inc(e.labels, e.n);
        e.n = 0;
      }
    },
  });

  const latencies = new Map<string, RouteLatency>();
  const latency = {
    name: LATENCY,
    help: 'HTTP request latency by route template',
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      for (const [route, l] of latencies) {
        let cumulative = 0;
        BUCKETS.forEach((le, i) => {
          cumulative += l.buckets[i]!;
          values.push({ metricName: `${LATENCY}_bucket`, labels: { le, route }, value: cumulative });
        });
        values.push({ metricName: `${LATENCY}_bucket`, labels: { le: '+Inf', route }, value: l.count });
        values.push({ metricName: `${LATENCY}_sum`, labels: { route }, value: l.sum });
        values.push({ metricName: `${LATENCY}_count`, labels: { route }, value: l.count });
      }
      return { name: LATENCY, help: latency.help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {
      latencies.clear();
    },
  };
  registry.registerMetric(latency as unknown as Metric);

  return {
    registry,
    ...domain,
    /** SQLite's WAL checkpoint worker (ADR 0007), read at scrape time: whether it runs (0 means SQLite
     *  checkpoints inside commits again), and the frames copied by it and by the request thread. */
    watchSqliteCheckpoints(stats: () => { running: boolean; workerFrames: number; restarts: number; restartFrames: number }) {
      new Gauge({
        name: 'keyhaven_sqlite_checkpoint_worker_up',
        help: 'Whether the SQLite WAL checkpoint worker runs (0: checkpoints run inside commits)',
        registers: [registry],
        collect() {
          this.set(stats().running ? 1 : 0);
        },
      });
      new Counter({
        name: 'keyhaven_sqlite_checkpoint_frames_total',
        help: 'WAL frames copied into the SQLite database file, by the worker or by the request thread',
        labelNames: ['by'],
        registers: [registry],
        collect() {
          const s = stats();
          this.reset();
          this.inc({ by: 'worker' }, s.workerFrames);
          this.inc({ by: 'request_thread' }, s.restartFrames);
        },
      });
      new Counter({
        name: 'keyhaven_sqlite_checkpoint_restarts_total',
        help: 'Checkpoints the request thread finished so the WAL could start again',
        registers: [registry],
        collect() {
          this.reset();
          this.inc(stats().restarts);
        },
      });
    },
    /** Counts a stored batch by outcome: one label lookup per outcome, not per event. */
    countAuditEvents(events: ReadonlyArray<{ outcome: string }>) {
      const byOutcome = new Map<string, number>();
      for (const e of events) byOutcome.set(e.outcome, (byOutcome.get(e.outcome) ?? 0) + 1);
      for (const [outcome, n] of byOutcome) auditEvents.inc({ outcome }, n);
    },
    /** One finished request: counted by (route, method, status), timed by route. */
    observeRequest(route: string, method: string, status: number, seconds: number) {
      const key = `${method} ${status} ${route}`;
      let c = unscraped.get(key);
      if (!c) {
        if (unscraped.size >= 10_000) return; // route templates are bounded; this only guards memory
        c = { labels: { route, method, status: String(status) }, n: 0 };
        unscraped.set(key, c);
      }
      c.n += 1;
      let l = latencies.get(route);
      if (!l) {
        if (latencies.size >= 10_000) return;
        l = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
        latencies.set(route, l);
      }
      let i = 0;
      while (i < BUCKETS.length && seconds > BUCKETS[i]!) i += 1;
      if (i < BUCKETS.length) l.buckets[i]! += 1;
      l.sum += seconds;
      l.count += 1;
    },
  };
};
export type Metrics = ReturnType<typeof createMetrics>;
