// Health: unauthenticated, reveals nothing but whether the server and its database answer.
import type { App } from '../../http/pipeline-types.js';
import type { StorageHandle } from '../../storage/database.js';

export const healthRoutes = (storage: StorageHandle) => (app: App) => {
  app.get('/health', { config: { access: { public: true } }, schema: { tags: ['system'], summary: 'Liveness and database reachability' } }, async (_req, reply) => {
    try {
      await storage.ping();
      return { status: 'ok', database: 'ok' };
    } catch {
      reply.code(503);
      return { status: 'degraded', database: 'unavailable' };
    }
  });
};
