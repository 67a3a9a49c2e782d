// Completes the OpenAPI document @fastify/swagger builds from the routes: an operationId for every
// operation, the documented success responses of each feature, and the shared error responses
// (Keyhaven's { error: {...} } shape, or Vault's { errors: [...] } on the Vault-compatible paths).
// Documentation only: route schemas are left alone, so serialization does not change.
import type { FeatureDocs, JsonSchema, OperationDoc, ResponseDoc } from '../../lib/json-schema.js';
import { arr, obj, openObject, str } from '../../lib/json-schema.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

export const ERROR_SCHEMAS: Record<string, JsonSchema> = {
  Error: {
    ...obj({
      error: obj(
        {
          code: { type: 'string', description: 'A stable code from the error catalogue (docs/errors.md).' },
          message: str,
          details: { description: 'Present for some codes: validation problems, the accepted values.' },
          request_id: str,
        },
        { optional: ['details', 'request_id'] },
      ),
    }),
    description: 'Every Keyhaven error: a stable code, a message for people, the request id to report.',
  },
  VaultError: {
    ...obj(
      {
        errors: arr(str),
        error: obj({ code: str, message: str, details: {}, request_id: str }, { optional: ['details', 'request_id'] }),
      },
      { optional: ['error'] },
    ),
    description: "Vault's error shape, kept for Vault clients; the auth paths add Keyhaven's `error` (stable code, message, request id).",
  },
};

const errorResponse = (name: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
});

/** Routes answered in Vault's shape: the Vault-compatible KV and system paths and the auth methods. */
const isVault = (tags: unknown): boolean => Array.isArray(tags) && (tags.includes('vault-compat') || tags.includes('auth'));

/** Marks an operation no feature documents (its success body is a placeholder); a test keeps the
 *  document free of them. */
export const UNDESCRIBED = 'x-keyhaven-undescribed';

/** On a sequence's media type (JSON lines, server-sent events): the schema of each JSON line, or of
 *  each event's `data`; the media type's own schema is the body as text. OpenAPI 3.2 names this
 *  `itemSchema`; a 3.0 document carries it as an extension. */
export const ITEM_SCHEMA = 'x-keyhaven-item-schema';

/** A stable operationId for routes no feature documents yet, from the method and path. */
export const derivedOperationId = (method: string, path: string): string =>
  `${method}.${path
    .replace(/^\/v1\//, '/')
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/^\{\*\}$/, 'path').replace(/^\{(.+)\}$/, 'by-$1'))
    .join('.')}`;

type Operation = { [k: string]: unknown; parameters?: Array<{ in: string; name: string }>; tags?: string[] };
type PathItem = Partial<Record<(typeof METHODS)[number], Operation>>;
export interface OpenApiObject {
  [k: string]: unknown;
  paths?: Record<string, PathItem>;
  components?: { [k: string]: unknown; schemas?: Record<string, JsonSchema>; responses?: Record<string, unknown> };
}

const responsesOf = (docs: Record<number, ResponseDoc>, vault: boolean) => {
  const out: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(docs)) {
    const media = r.schema
      ? {
          [r.contentType ?? 'application/json']: { schema: r.schema, ...(r.itemSchema ? { [ITEM_SCHEMA]: r.itemSchema } : {}) },
          ...Object.fromEntries(Object.entries(r.alternatives ?? {}).map(([type, schema]) => [type, { schema }])),
        }
      : undefined;
    const headers = r.headers
      ? Object.fromEntries(Object.entries(r.headers).map(([name, h]) => [name, { ...h, required: true }]))
      : undefined;
    out[status] = { description: r.description, ...(headers ? { headers } : {}), ...(media ? { content: media } : {}) };
  }
  const err = vault ? 'VaultError' : 'Error';
  out['4XX'] = { $ref: `#/components/responses/${err}` };
  out['5XX'] = { $ref: `#/components/responses/${err}` };
  return out;
};

/** The path variable a `{*}` wildcard becomes in the documented path (`{name}`), or `path`. */
const renameWildcard = (op: Operation, docPath: string): Operation => {
  const variable = /\{([^}*]+)\}(?::[a-z]+)?$/.exec(docPath)?.[1] ?? 'path';
  return {
    ...op,
    parameters: op.parameters?.map((p) =>
      p.in === 'path' && p.name === '*'
        ? { ...p, name: variable, description: 'The full name; slashes allowed, each segment URL-encoded.' }
        : p,
    ),
  };
};

export const completeDocument = (input: OpenApiObject, features: FeatureDocs[]): OpenApiObject => {
  const doc = structuredClone(input);
  const operations: Record<string, OperationDoc | OperationDoc[]> = {};
  const schemas: Record<string, JsonSchema> = { ...(doc.components?.schemas ?? {}), ...ERROR_SCHEMAS };
  for (const f of features) {
    Object.assign(operations, f.operations);
    Object.assign(schemas, f.schemas ?? {});
  }
  const paths: Record<string, PathItem> = {};
  const put = (path: string, method: (typeof METHODS)[number], op: Operation) => {
    paths[path] ??= {};
    paths[path][method] = op;
  };
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const vault = isVault(op.tags);
      const key = `${method.toUpperCase()} ${path}`;
      // The unversioned rotation paths (/secrets/rotate) are twins of /v1/rotation/*.
      const twin = path.startsWith('/secrets/') ? operations[`${method.toUpperCase()} /v1/rotation/${path.slice(9)}`] : undefined;
      const found = operations[key] ?? twin;
      const docsFor: OperationDoc[] = found ? (Array.isArray(found) ? found : [found]) : [];
      if (docsFor.length === 0) {
        const docPath = path.replace('{*}', '{path}');
        put(docPath, method, {
          ...renameWildcard(op, docPath),
          operationId: derivedOperationId(method, path),
          [UNDESCRIBED]: true,
          responses: responsesOf({ 200: { description: 'Success (the body is not described yet).', schema: openObject } }, vault),
        });
        continue;
      }
      for (const d of docsFor) {
        const docPath = d.path ?? path.replace('{*}', '{path}');
        put(docPath, method, {
          ...renameWildcard(op, docPath),
          ...(d.summary ? { summary: d.summary } : {}),
          operationId: operations[key] ? d.operationId : `${d.operationId}.unversioned`,
          ...(d.requestBody && !op.requestBody ? { requestBody: { content: { 'application/json': { schema: d.requestBody } } } } : {}),
          responses: responsesOf(d.responses, vault),
        });
      }
    }
  }
  doc.paths = paths;
  doc.components = {
    ...(doc.components ?? {}),
    schemas,
    responses: {
      ...(doc.components?.responses ?? {}),
      Error: errorResponse('Error', 'An error, with its stable code (see docs/errors.md).'),
      VaultError: errorResponse('VaultError', 'An error in the shape Vault clients expect.'),
    },
  };
  return doc;
};
