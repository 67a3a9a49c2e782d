// GET /metrics in Prometheus text format; unauthenticated and free of secret material.
import { routeConfig, type App } from '../../http/pipeline-types.js';
import type { Metrics } from '../../lib/metrics.js';

export const metricsRoutes = (metrics: Metrics) => (app: App) => {
  app.addHook('onResponse', (req, reply, done) => {
    metrics.observeRequest(routeConfig(req).url ?? 'unmatched', req.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { config: { access: { public: true } }, schema: { tags: ['system'], summary: 'Prometheus metrics', hide: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
