// Prometheus metrics: request counts and latency by route template, audit events by outcome.
// Labels never carry secret names' values or tokens; route templates only.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const createMetrics = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'keyhaven_' });
  const auditEvents = new Counter({ name: 'keyhaven_audit_events_total', help: 'Audit events stored, by outcome', labelNames: ['outcome'], registers: [registry] });
  return {
    registry,
    auditEvents,
    /** Counts a stored batch by outcome: one label lookup per outcome, not per event. */
    countAuditEvents(events: ReadonlyArray<{ outcome: string }>) {
      const byOutcome = new Map<string, number>();
      for (const e of events) byOutcome.set(e.outcome, (byOutcome.get(e.outcome) ?? 0) + 1);
      for (const [outcome, n] of byOutcome) auditEvents.inc({ outcome }, n);
    },
    requests: new Counter({ name: 'keyhaven_http_requests_total', help: 'HTTP requests by route template, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] }),
    latency: new Histogram({ name: 'keyhaven_http_request_duration_seconds', help: 'HTTP request latency by route template', labelNames: ['route'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1], registers: [registry] }),
  };
};
export type Metrics = ReturnType<typeof createMetrics>;
