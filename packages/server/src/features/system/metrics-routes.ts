// GET /metrics in Prometheus text format; unauthenticated and free of secret material.
import { routeConfig, type App } from '../../http/pipeline-types.js';
import type { Metrics } from '../../lib/metrics.js';

export const metricsRoutes = (metrics: Metrics) => (app: App) => {
  // Label children are looked up once per (route, method, status) instead of hashing labels per request.
  const counters = new Map<string, { inc(): void }>();
  const histograms = new Map<string, { observe(v: number): void }>();
  app.addHook('onResponse', (req, reply, done) => {
    const route = routeConfig(req).url ?? 'unmatched';
    const key = `${req.method} ${reply.statusCode} ${route}`;
    let counter = counters.get(key);
    if (!counter) {
      counter = metrics.requests.labels({ route, method: req.method, status: String(reply.statusCode) });
      if (counters.size < 10_000) counters.set(key, counter);
    }
    counter.inc();
    let histogram = histograms.get(route);
    if (!histogram) {
      histogram = metrics.latency.labels({ route });
      if (histograms.size < 10_000) histograms.set(route, histogram);
    }
    histogram.observe(reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { config: { access: { public: true } }, schema: { tags: ['system'], summary: 'Prometheus metrics', hide: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
