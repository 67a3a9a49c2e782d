// HTTP routes of provider configurations: seed 000's `POST /providers/configure`, the /v1/providers
// resource (list, get, delete, test) and seed 003's credential validation endpoint. Handlers only
// translate; credentials are never echoed back.
import { z } from 'zod';
import type { App } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import { listProviders } from '../../providers/provider-registry.js';
import { configureBody } from './provider-body.js';
import type { ProviderConfigService } from './provider-config-service.js';
import type { ProviderImporter } from './provider-import.js';

const tags = ['providers'];
const idParams = z.object({ id: z.string().min(1).max(64) });

export const providerRoutes = (service: ProviderConfigService, importer: ProviderImporter) => (app: App) => {
  const configure = (path: string, mode: 'create' | 'upsert', summary: string) =>
    app.post(
      path,
      {
        config: { access: { tenant: true, action: 'admin' }, audit: 'provider.configure' },
        schema: { tags, summary, body: configureBody },
      },
      async (req, reply) => {
        const r = await service.configure(scopeOf(req), req.body, mode);
        reply.code(r.created ? 201 : 200);
        return r;
      },
    );
  configure(
    '/providers/configure',
    'upsert',
    'Configure a provider (seed 000 body: provider_name + config); credential fields are stored as a Keyhaven secret',
  );
  configure('/v1/providers', 'create', 'Add a provider configuration (fails when the name exists)');

  app.get(
    '/v1/providers',
    {
      config: { access: { tenant: true, action: 'list' }, audit: 'provider.list' },
      schema: {
        tags,
        summary: 'List provider configurations (no credentials) and the available kinds',
        querystring: z.object({ kind: z.string().max(64).optional() }).strict(),
      },
    },
    async (req) => ({ items: await service.list(scopeOf(req), req.query.kind), kinds: listProviders() }),
  );

  app.get(
    '/v1/providers/:id',
    {
      config: { access: { tenant: true, action: 'list' }, audit: 'provider.get' },
      schema: { tags, summary: 'One provider configuration (no credentials)', params: idParams },
    },
    async (req) => service.get(scopeOf(req), req.params.id),
  );

  app.delete(
    '/v1/providers/:id',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'provider.delete' },
      schema: { tags, summary: 'Remove a provider configuration and crypto-shred its credential', params: idParams },
    },
    async (req) => service.remove(scopeOf(req), req.params.id),
  );

  app.post(
    '/v1/providers/:id/test',
    {
      config: { access: { tenant: true, action: 'write' }, audit: 'provider.test' },
      schema: { tags, summary: 'Test the connection with the stored credential', params: idParams },
    },
    async (req) => service.test(scopeOf(req), req.params.id),
  );

  app.post(
    '/v1/providers/:id/import',
    {
      config: { access: { tenant: true, action: 'write' }, audit: 'provider.import' },
      schema: {
        tags,
        summary:
          'Import secrets from the provider into Keyhaven (migration); dry_run reports created/updated/unchanged/skipped without writing',
        params: idParams,
        body: z
          .object({
            prefix: z.string().max(512).optional(),
            dry_run: z.boolean().default(false),
            overwrite: z.boolean().default(false),
            target_prefix: z.string().max(200).optional(),
            limit: z.number().int().min(1).max(100_000).default(10_000),
          })
          .strict(),
      },
    },
    async (req) => importer.run(scopeOf(req), req.params.id, req.body),
  );

  app.post(
    '/admin/secrets/providers/:providerId/credentials/validate',
    {
      config: { access: { tenant: true, action: 'admin' }, audit: 'provider.validate_credential' },
      schema: {
        tags,
        summary: 'Validate the stored credential of a provider, or a candidate credential (not saved)',
        params: z.object({ providerId: z.string().min(1).max(64) }),
        body: z
          .object({ credential: z.record(z.unknown()).optional() })
          .strict()
          .nullish(),
      },
    },
    async (req) => service.validateCredential(scopeOf(req), req.params.providerId, req.body?.credential),
  );
};
