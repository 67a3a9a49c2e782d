// GET /metrics in Prometheus text format; unauthenticated and free of secret material.
import type { App } from '../../http/pipeline-types.js';
import type { Metrics } from '../../lib/metrics.js';

export const metricsRoutes = (metrics: Metrics) => (app: App) => {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { config: { access: { public: true } }, schema: { tags: ['system'], summary: 'Prometheus metrics', hide: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
