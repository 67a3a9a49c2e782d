// HTTP routes of secrets. Paths: /v1/secrets/<name> for the value and its versions, with
// `:describe`, `:versions`, `:restore` and `:destroy` suffixes for the other operations
// (names cannot hold ":"). Handlers only translate: parse, call one service method, shape the reply.
import type { App, Request } from '../../http/pipeline-types.js';
import { scopeOf } from '../../http/pipeline-types.js';
import { fail } from '../../lib/errors.js';
import type { Action } from '../access/roles.js';
import type { SecretService } from './secret-service.js';
import { createSecretBody, destroyBody, listQuery, matchBody, readQuery, updateMetadataBody, writeVersionBody } from './secret-schemas.js';

const SUFFIXES = ['describe', 'versions', 'restore', 'destroy'] as const;
type Suffix = (typeof SUFFIXES)[number] | null;

/** Splits the wildcard path into the secret name and an optional `:suffix`. */
export const parseSecretPath = (raw: string): { name: string; suffix: Suffix } => {
  const path = raw;
  const i = path.lastIndexOf(':');
  if (i > 0) {
    const suffix = path.slice(i + 1);
    if (!(SUFFIXES as readonly string[]).includes(suffix))
      throw fail('ROUTE_NOT_FOUND', `Unknown operation ":${suffix.slice(0, 32)}"; use one of ${SUFFIXES.map((s) => ':' + s).join(', ')}.`);
    return { name: path.slice(0, i), suffix: suffix as Suffix };
  }
  return { name: path, suffix: null };
};

const wildcard = (req: Request) => (req.params as { '*': string })['*'];
/** The parsed path, once per request (the access rule, the audit name and the handler all ask); kept
 *  on the request (see PER_REQUEST in pipeline-types.ts). */
const secretPath = (req: Request): ReturnType<typeof parseSecretPath> => {
  let p = req.khSecretPath as ReturnType<typeof parseSecretPath> | null | undefined;
  if (!p) {
    p = parseSecretPath(wildcard(req));
    req.khSecretPath = p;
  }
  return p;
};

const actionFor = (req: Request): Action => {
  const { suffix } = secretPath(req);
  switch (req.method) {
    case 'GET':
      return suffix === 'describe' || suffix === 'versions' ? 'list' : 'read';
    case 'PUT':
    case 'PATCH':
      return 'write';
    case 'DELETE':
      return 'delete';
    default:
      return suffix === 'restore' || suffix === 'destroy' ? 'delete' : 'write';
  }
};

const OPS: Record<string, string> = {
  'GET:': 'read',
  'GET:describe': 'describe',
  'GET:versions': 'history',
  'PUT:': 'write',
  'PATCH:': 'update',
  'DELETE:': 'delete',
  'POST:restore': 'restore',
  'POST:destroy': 'destroy',
};
const auditName = (req: Request) => `secret.${OPS[`${req.method}:${secretPath(req).suffix ?? ''}`] ?? req.method.toLowerCase()}`;

const tags = ['secrets'];
const resourceOf = (req: Request) => {
  const body = (req.body ?? {}) as { environment?: string | null; tags?: string[] };
  return { name: secretPath(req).name, environment: body.environment, tags: body.tags };
};
const access = { tenant: true, action: actionFor, resource: resourceOf };

export const secretRoutes = (service: SecretService) => (app: App) => {
  app.get(
    '/v1/secrets',
    {
      config: { access: { tenant: true, action: 'list' }, audit: 'secret.list' },
      schema: {
        tags,
        summary: 'List secrets (metadata only), filtered by prefix, type, tags, service, environment, criticality',
        querystring: listQuery,
      },
    },
    async (req) => {
      const q = req.query;
      return service.list(scopeOf(req), { ...q, tags: q.tag, include_deleted: q.include_deleted ?? false });
    },
  );

  app.post(
    '/v1/secrets',
    {
      config: {
        access: {
          tenant: true,
          action: 'write',
          resource: (req: Request) => {
            const b = req.body as { name: string; environment?: string | null; tags?: string[] };
            return { name: b.name, environment: b.environment ?? null, tags: b.tags ?? [] };
          },
        },
        audit: 'secret.create',
      },
      schema: { tags, summary: 'Create a secret with its first version', body: createSecretBody },
    },
    async (req, reply) => {
      const { name, value, ...metadata } = req.body;
      reply.code(201);
      return service.create(scopeOf(req), name, value, metadata);
    },
  );

  app.post(
    '/v1/fingerprints/match',
    {
      config: { access: { tenant: true, action: 'read' }, audit: 'secret.match_fingerprints' },
      schema: {
        tags,
        summary: 'Find stored secrets whose value has one of the given SHA-256 digests (for leak scanning)',
        body: matchBody,
      },
    },
    async (req) => ({ matches: await service.matchFingerprints(scopeOf(req), req.body.sha256) }),
  );

  app.get(
    '/v1/secrets/*',
    {
      config: { access, audit: auditName },
      schema: {
        tags,
        summary: 'Read a value (?version=, ?label=, ?field=); `<name>:describe` for metadata, `<name>:versions` for history',
        querystring: readQuery,
      },
    },
    async (req) => {
      const { name, suffix } = secretPath(req);
      if (suffix === 'describe') return service.describe(scopeOf(req), name);
      if (suffix === 'versions') return { name, versions: await service.history(scopeOf(req), name) };
      if (suffix) throw fail('METHOD_NOT_ALLOWED', `Use POST for :${suffix}.`);
      return service.read(scopeOf(req), name, req.query);
    },
  );

  app.put(
    '/v1/secrets/*',
    {
      config: { access, audit: auditName },
      schema: { tags, summary: 'Write a new version (creates the secret when missing); `cas` for check-and-set', body: writeVersionBody },
    },
    async (req) => {
      const { name, suffix } = secretPath(req);
      if (suffix) throw fail('METHOD_NOT_ALLOWED', `Use POST for :${suffix}.`);
      const { value, cas, label, ...metadata } = req.body;
      return service.write(scopeOf(req), name, value, { cas, label, create: true, metadata });
    },
  );

  app.patch(
    '/v1/secrets/*',
    {
      config: { access, audit: auditName },
      schema: {
        tags,
        summary: 'Update metadata (type, description, tags, service, environment, criticality, owner, expiry, max versions)',
        body: updateMetadataBody,
      },
    },
    async (req) => {
      const { name, suffix } = secretPath(req);
      if (suffix) throw fail('METHOD_NOT_ALLOWED', `PATCH does not apply to :${suffix}.`);
      return service.update(scopeOf(req), name, req.body);
    },
  );

  app.delete(
    '/v1/secrets/*',
    {
      config: { access, audit: auditName },
      schema: { tags, summary: 'Soft-delete a secret (restorable)' },
    },
    async (req) => {
      const { name, suffix } = secretPath(req);
      if (suffix) throw fail('METHOD_NOT_ALLOWED', `Use POST for :${suffix}.`);
      return service.remove(scopeOf(req), name);
    },
  );

  app.post(
    '/v1/secrets/*',
    {
      config: { access, audit: auditName },
      schema: {
        tags,
        summary: '`<name>:restore` undoes a delete; `<name>:destroy` crypto-shreds versions (body {versions}) or a deleted secret',
        body: destroyBody.nullish(),
      },
    },
    async (req) => {
      const { name, suffix } = secretPath(req);
      if (suffix === 'restore') return service.restore(scopeOf(req), name);
      if (suffix === 'destroy') return service.destroy(scopeOf(req), name, req.body?.versions);
      throw fail('METHOD_NOT_ALLOWED', 'POST applies to <name>:restore and <name>:destroy; create secrets with POST /v1/secrets.');
    },
  );
};
