// HTTP routes of tenants: root tokens create and delete them; any token lists those it reaches.
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import type { TenantService } from './tenant-service.js';
import type { TokenService } from '../tokens/token-service.js';
import { fail } from '../../lib/errors.js';

const tags = ['tenants'];
const idParam = z.object({ id: z.string().min(1).max(63) });

export const tenantRoutes = (tenants: TenantService, tokens: TokenService) => (app: App) => {
  app.get(
    '/v1/tenants',
    { config: { access: { tenant: false }, audit: 'tenant.list' }, schema: { tags, summary: 'List the tenants this token reaches' } },
    async (req) => ({
      items: await tenants.list(await tokens.tenantsOf(req.auth!.token)),
    }),
  );
  app.post(
    '/v1/tenants',
    {
      config: { access: { tenant: false, system: true }, audit: 'tenant.create' },
      schema: {
        tags,
        summary: 'Create a tenant (root token)',
        body: z.object({ id: z.string().min(1).max(63), name: z.string().min(1).max(256).optional() }).strict(),
      },
    },
    async (req, reply) => {
      reply.code(201);
      return tenants.create(req.body);
    },
  );
  app.get(
    '/v1/tenants/:id',
    { config: { access: { tenant: false }, audit: 'tenant.read' }, schema: { tags, summary: 'Describe a tenant', params: idParam } },
    async (req) => {
      const reach = await tokens.tenantsOf(req.auth!.token);
      if (reach && !reach.includes(req.params.id))
        throw fail('TENANT_NOT_FOUND', `No tenant "${req.params.id}", or the token has no access to it.`);
      return tenants.get(req.params.id);
    },
  );
  app.delete(
    '/v1/tenants/:id',
    {
      config: { access: { tenant: false, system: true }, audit: 'tenant.delete' },
      schema: { tags, summary: 'Delete an empty tenant (root token)', params: idParam },
    },
    async (req) => tenants.remove(req.params.id),
  );
};
