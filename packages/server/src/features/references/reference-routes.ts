// HTTP route for provider references: `GET /v1/references?ref=aws-sm://name#field[&provider=<id>][&cache=false]`.
// Handlers only translate; the read is audited as `reference.read` with action 'read'.
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import type { ReferenceService } from './reference-service.js';

export const referenceRoutes = (service: ReferenceService) => (app: App) => {
  app.get(
    '/v1/references',
    {
      config: { access: { tenant: true, action: 'read' }, audit: 'reference.read' },
      schema: {
        tags: ['providers'],
        summary:
          'Read a secret from an external store by reference (aws-sm://, gcp-sm://, azure-kv://, vault://, k8s://, dotenv://, env://), cached in memory',
        querystring: z
          .object({
            ref: z.string().min(1).max(2048),
            provider: z.string().min(1).max(64).optional(),
            cache: z
              .enum(['true', 'false'])
              .transform((v) => v === 'true')
              .optional(),
          })
          .strict(),
      },
    },
    async (req) => service.read(scopeOf(req), req.query.ref, { provider: req.query.provider, cache: req.query.cache }),
  );
};
