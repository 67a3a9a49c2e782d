// HTTP routes of sync: destinations (create, list, remove), per-secret status with last errors, and
// a forced run. Handlers only translate.
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import { INITIAL_POLICIES, type SyncService } from './sync-service.js';

const tags = ['sync'];

const destinationBody = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
      .optional(),
    secret_name: z.string().min(1).max(256).optional(),
    prefix: z.string().max(256).optional(),
    provider_id: z.string().min(1).max(64),
    template: z.string().min(1).max(512).default('{{name}}'),
    initial_policy: z.enum(INITIAL_POLICIES).default('overwrite'),
    never_delete_remote: z.boolean().default(false),
  })
  .strict();

export const syncRoutes = (service: SyncService) => (app: App) => {
  app.post(
    '/v1/sync/destinations',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'sync.destination_create' },
      schema: {
        tags,
        summary: 'Replicate a secret (secret_name) or every secret under a prefix to a provider, on every change and rotation',
        body: destinationBody,
      },
    },
    async (req, reply) => {
      reply.code(201);
      return service.create(scopeOf(req), req.body);
    },
  );

  app.get(
    '/v1/sync/destinations',
    {
      config: { access: { tenant: true, action: 'list' }, audit: 'sync.destination_list' },
      schema: { tags, summary: 'List sync destinations' },
    },
    async (req) => ({ items: await service.list(scopeOf(req)) }),
  );

  app.delete(
    '/v1/sync/destinations/:id',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'sync.destination_delete' },
      schema: {
        tags,
        summary: 'Stop syncing to a destination (remote copies are kept)',
        params: z.object({ id: z.string().min(1).max(64) }),
      },
    },
    async (req) => service.remove(scopeOf(req), req.params.id),
  );

  app.get(
    '/v1/sync/status',
    {
      config: { access: { tenant: true, action: 'list' }, audit: 'sync.status' },
      schema: {
        tags,
        summary: 'Sync status per destination and secret: ok/pending/error, last error, last synced version',
        querystring: z
          .object({
            destination: z.string().max(64).optional(),
            status: z.enum(['ok', 'pending', 'error']).optional(),
            limit: z.coerce.number().int().min(1).max(5000).default(500),
            cursor: z.string().max(256).optional(),
          })
          .strict(),
      },
    },
    async (req) => service.status(scopeOf(req), req.query),
  );

  app.post(
    '/v1/sync/run',
    {
      config: { access: { tenant: true, action: 'write' }, audit: 'sync.run' },
      schema: {
        tags,
        summary: 'Run sync now: pending and failed pairs are retried at once',
        body: z
          .object({ destination: z.string().max(64).optional() })
          .strict()
          .nullish(),
      },
    },
    async (req) => service.run(scopeOf(req), req.body?.destination ?? undefined),
  );
};
