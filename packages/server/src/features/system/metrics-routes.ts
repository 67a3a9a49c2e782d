// GET /metrics in Prometheus text format; unauthenticated and free of secret material. Every
// response is counted here (route template, method, status), and refused ones (401, 403, and 429
// from the failure limiter) by reason, the error code the error handler recorded.
import { routeConfig, type App } from '../../http/pipeline-types.js';
import type { Metrics } from '../../lib/metrics.js';

const DENIED = new Set([401, 403]);

export const metricsRoutes = (metrics: Metrics) => (app: App) => {
  app.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    metrics.observeRequest(routeConfig(req).url ?? 'unmatched', req.method, status, reply.elapsedTime / 1000);
    if (status >= 401 && status <= 429) {
      const code = req.auditNote?.errorCode;
      if (DENIED.has(status) || code === 'RATE_LIMITED') metrics.domain.denied(status, code ? code.toLowerCase() : 'unknown');
    }
    done();
  });
  app.get(
    '/metrics',
    { config: { access: { public: true } }, schema: { tags: ['system'], summary: 'Prometheus metrics', hide: true } },
    async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
