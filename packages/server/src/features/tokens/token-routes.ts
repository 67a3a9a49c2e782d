// HTTP routes of tokens: tenant admins create, list and revoke tokens; any token can look itself up.
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import { fail } from '../../lib/errors.js';
import type { PolicyService } from '../access/policy-service.js';
import type { TokenService } from './token-service.js';

const tags = ['tokens'];
const createBody = z
  .object({
    name: z.string().min(1).max(128),
    role: z.string().min(1).max(63).describe('A built-in role (read, write, delete, admin) or a custom role of the tenant'),
    kind: z.enum(['personal', 'service']).default('service'),
    ttl_seconds: z
      .number()
      .int()
      .min(1)
      .max(10 * 365 * 86400)
      .optional(),
  })
  .strict();

export const tokenRoutes = (tokens: TokenService, policies: PolicyService) => (app: App) => {
  app.get(
    '/v1/tokens/self',
    {
      config: { access: { tenant: false }, audit: 'token.self' },
      schema: { tags, summary: 'Describe the calling token (never its secret)' },
    },
    async (req) => tokens.self(req.auth!.token),
  );
  app.post(
    '/v1/tokens/self/renew',
    {
      config: { access: { tenant: false }, audit: 'token.renew' },
      schema: {
        tags,
        summary: 'Renew the calling token: its expiry moves to now + its TTL (or the given TTL, not longer)',
        body: z
          .object({
            ttl_seconds: z
              .number()
              .int()
              .min(1)
              .max(10 * 365 * 86400)
              .optional(),
          })
          .strict()
          .nullish(),
      },
    },
    async (req) => tokens.renew(req.auth!.token, req.body?.ttl_seconds),
  );
  app.post(
    '/v1/tokens',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'token.create' },
      schema: { tags, summary: 'Create a token with a role in this tenant; the token is shown once', body: createBody },
    },
    async (req, reply) => {
      const scope = scopeOf(req);
      const b = req.body;
      if (!(await policies.roleExists(scope.tenant, b.role)))
        throw fail('ROLE_NOT_FOUND', `No role "${b.role}" in this tenant; use read, write, delete, admin or a custom role.`);
      reply.code(201);
      return tokens.create({
        name: b.name,
        kind: b.kind,
        tenant: scope.tenant,
        role: b.role,
        ttlSeconds: b.ttl_seconds,
        createdBy: scope.actor.tokenId,
        creatorRole: req.auth!.role ?? undefined,
      });
    },
  );
  app.get(
    '/v1/tokens',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'token.list' },
      schema: { tags, summary: 'List tokens of this tenant (never their secrets)' },
    },
    async (req) => ({
      items: await tokens.list(scopeOf(req).tenant),
    }),
  );
  app.get(
    '/v1/tokens/:id',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'token.read' },
      schema: { tags, summary: 'Describe a token of this tenant', params: z.object({ id: z.string().min(1).max(64) }) },
    },
    async (req) => tokens.get(scopeOf(req).tenant, req.params.id),
  );
  app.delete(
    '/v1/tokens/:id',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'token.revoke' },
      schema: { tags, summary: 'Revoke a token of this tenant', params: z.object({ id: z.string().min(1).max(64) }) },
    },
    async (req) => tokens.revoke(scopeOf(req).tenant, req.params.id),
  );
};
