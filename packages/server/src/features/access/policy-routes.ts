// HTTP routes of policies and roles: tenant admins define allow/deny rules and bundle them into
// roles that tokens are granted.
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import type { PolicyService } from './policy-service.js';
import { ruleSchema } from './policy.js';

const tags = ['access'];
const nameParam = z.object({ name: z.string().min(1).max(63) });
const admin = { tenant: true, action: 'admin' } as const;

export const policyRoutes = (svc: PolicyService) => (app: App) => {
  app.get('/v1/policies', { config: { access: admin, audit: 'policy.list' }, schema: { tags, summary: 'List policies' } }, async (req) => ({
    items: await svc.listPolicies(scopeOf(req).tenant),
  }));
  app.get(
    '/v1/policies/:name',
    { config: { access: admin, audit: 'policy.read' }, schema: { tags, summary: 'Describe a policy', params: nameParam } },
    async (req) => svc.getPolicy(scopeOf(req).tenant, req.params.name),
  );
  app.put(
    '/v1/policies/:name',
    {
      config: { access: admin, audit: 'policy.put' },
      schema: {
        tags,
        summary: 'Create or replace a policy: allow/deny rules over actions, secret-name globs, environments and tags (deny wins)',
        params: nameParam,
        body: z.object({ description: z.string().max(1024).nullable().optional(), rules: z.array(ruleSchema).min(1).max(100) }).strict(),
      },
    },
    async (req) => svc.putPolicy(scopeOf(req).tenant, req.params.name, req.body),
  );
  app.delete(
    '/v1/policies/:name',
    {
      config: { access: admin, audit: 'policy.delete' },
      schema: { tags, summary: 'Delete a policy not used by any role', params: nameParam },
    },
    async (req) => svc.deletePolicy(scopeOf(req).tenant, req.params.name),
  );

  app.get(
    '/v1/roles',
    { config: { access: admin, audit: 'role.list' }, schema: { tags, summary: 'List built-in and custom roles' } },
    async (req) => ({ items: await svc.listRoles(scopeOf(req).tenant) }),
  );
  app.put(
    '/v1/roles/:name',
    {
      config: { access: admin, audit: 'role.put' },
      schema: {
        tags,
        summary: 'Create or replace a custom role bundling policies',
        params: nameParam,
        body: z
          .object({ description: z.string().max(1024).nullable().optional(), policies: z.array(z.string().min(1).max(63)).min(1).max(50) })
          .strict(),
      },
    },
    async (req) => svc.putRole(scopeOf(req).tenant, req.params.name, req.body),
  );
  app.delete(
    '/v1/roles/:name',
    {
      config: { access: admin, audit: 'role.delete' },
      schema: { tags, summary: 'Delete a custom role not granted to any token', params: nameParam },
    },
    async (req) => svc.deleteRole(scopeOf(req).tenant, req.params.name),
  );
};
