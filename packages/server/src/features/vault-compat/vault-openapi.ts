// The documented responses and request bodies of the Vault-compatible KV v2 and system paths
// (OpenAPI; documentation only, see http/openapi): Vault's envelope around `data`, 204 for writes
// without a body, and errors in Vault's { errors: [...] } shape. The auth paths: vault-auth-openapi.ts.
import {
  arr,
  bool,
  dateTime,
  int,
  map,
  nullable,
  obj,
  ok,
  openObject,
  ref,
  str,
  type FeatureDocs,
  type JsonSchema,
  type OperationDoc,
} from '../../lib/json-schema.js';

const envelopeFields = (data: JsonSchema, o: { auth?: JsonSchema } = {}) => ({
  request_id: str,
  lease_id: str,
  renewable: bool,
  lease_duration: int,
  data,
  wrap_info: nullable(openObject),
  warnings: nullable(arr(str)),
  auth: o.auth ?? nullable(openObject),
});
/** Vault's response envelope around `data` (and `auth` for logins and renewals). */
export const envelope = (data: JsonSchema, o: { auth?: JsonSchema } = {}): JsonSchema => obj(envelopeFields(data, o));
export const noContent = { 204: { description: 'Done (no body)' } };
/** A LIST answer (`LIST` or `GET ?list=true`). */
export const keysEnvelope = (extra: Record<string, JsonSchema> = {}) => envelope(obj({ keys: arr(str), ...extra }));

const versionMeta = obj({ created_time: dateTime, custom_metadata: nullable(map(str)), deletion_time: str, destroyed: bool, version: int });
const secretMeta = obj({
  cas_required: bool,
  created_time: dateTime,
  current_version: int,
  custom_metadata: nullable(map(str)),
  delete_version_after: str,
  max_versions: int,
  oldest_version: int,
  updated_time: dateTime,
  versions: map(obj({ created_time: dateTime, deletion_time: str, destroyed: bool })),
});
const mountConfig = obj({ default_lease_ttl: int, max_lease_ttl: int, force_no_cache: bool });
const mountFields = {
  type: str,
  description: str,
  accessor: str,
  local: bool,
  seal_wrap: bool,
  external_entropy_access: bool,
  options: obj({ version: str }),
  config: mountConfig,
  uuid: str,
  plugin_version: str,
  running_plugin_version: str,
};

const dataWrite = obj(
  { data: map({}), options: obj({ cas: int }, { optional: ['cas'], open: true }) },
  { optional: ['options'], open: true },
);
const metadataWrite = obj(
  { custom_metadata: nullable(map(nullable(str))), max_versions: int, cas_required: bool, delete_version_after: str },
  { optional: ['custom_metadata', 'max_versions', 'cas_required', 'delete_version_after'], open: true },
);
const versionsBody = obj({ versions: arr(int) }, { open: true });

const tokenLookup = envelope(
  obj({
    accessor: str,
    display_name: str,
    entity_id: str,
    explicit_max_ttl: int,
    expire_time: nullable(str),
    meta: nullable(map(str)),
    num_uses: int,
    orphan: bool,
    path: str,
    policies: arr(str),
    renewable: bool,
    ttl: int,
    creation_ttl: int,
    type: str,
  }),
);

/** The KV operations of one mount; their operationIds name the mount (`vault.kv.read` on `kv`). */
const kvOperations = (mount: string): Record<string, OperationDoc> => {
  const at = (op: string) => `/v1/${mount}/${op}/{path}`;
  const key = (method: string, op: string) => `${method} /v1/${mount}/${op}/{*}`;
  const versionOp = (op: string, what: string): Record<string, OperationDoc> => ({
    [key('POST', op)]: {
      operationId: `vault.${mount}.${op}`,
      path: at(op),
      requestBody: versionsBody,
      summary: what,
      responses: noContent,
    },
    [key('PUT', op)]: {
      operationId: `vault.${mount}.${op}.put`,
      path: at(op),
      requestBody: versionsBody,
      summary: what,
      responses: noContent,
    },
  });
  const written = ok('The metadata of the new version', envelope(ref('VaultKvVersionMetadata')));
  return {
    [key('GET', 'data')]: {
      operationId: `vault.${mount}.read`,
      path: at('data'),
      responses: {
        ...ok('The data of one version and its metadata', envelope(obj({ data: map({}), metadata: ref('VaultKvVersionMetadata') }))),
        404: {
          description: 'A deleted or destroyed version: data null and its metadata, as Vault answers; or a missing one',
          schema: {
            oneOf: [envelope(obj({ data: nullable(openObject), metadata: ref('VaultKvVersionMetadata') })), ref('VaultError')],
          },
        },
      },
    },
    [key('POST', 'data')]: { operationId: `vault.${mount}.write`, path: at('data'), requestBody: dataWrite, responses: written },
    [key('PUT', 'data')]: { operationId: `vault.${mount}.write.put`, path: at('data'), requestBody: dataWrite, responses: written },
    [key('PATCH', 'data')]: {
      operationId: `vault.${mount}.patch`,
      path: at('data'),
      summary: 'Merge into the latest version (a null removes a key); check-and-set on the latest version unless options.cas',
      requestBody: dataWrite,
      responses: written,
    },
    [key('DELETE', 'data')]: { operationId: `vault.${mount}.deleteLatest`, path: at('data'), responses: noContent },
    [key('GET', 'metadata')]: {
      operationId: `vault.${mount}.metadata`,
      path: at('metadata'),
      responses: ok("A secret's metadata and its versions; with LIST or ?list=true, the keys under the path", {
        oneOf: [envelope(ref('VaultKvSecretMetadata')), keysEnvelope()],
      }),
    },
    [key('POST', 'metadata')]: {
      operationId: `vault.${mount}.metadata.write`,
      path: at('metadata'),
      summary: 'Replace custom_metadata (and max_versions); creates a secret without versions when missing',
      requestBody: metadataWrite,
      responses: noContent,
    },
    [key('PUT', 'metadata')]: {
      operationId: `vault.${mount}.metadata.write.put`,
      path: at('metadata'),
      requestBody: metadataWrite,
      responses: noContent,
    },
    [key('PATCH', 'metadata')]: {
      operationId: `vault.${mount}.metadata.patch`,
      path: at('metadata'),
      summary: 'Merge into custom_metadata (a null removes a key)',
      requestBody: metadataWrite,
      responses: noContent,
    },
    [key('DELETE', 'metadata')]: {
      operationId: `vault.${mount}.metadata.delete`,
      path: at('metadata'),
      summary: 'Delete the secret and every version',
      responses: noContent,
    },
    ...versionOp('delete', 'Soft-delete the secret (the versions must include the latest)'),
    ...versionOp('undelete', 'Restore a soft-deleted secret (the versions must include the latest)'),
    ...versionOp('destroy', 'Destroy versions for good (not the current or pending one)'),
  };
};

/** The Vault-compatible paths of a server with these KV mounts. */
export const vaultDocs = (mounts: string[]): FeatureDocs => ({
  schemas: { VaultKvVersionMetadata: versionMeta, VaultKvSecretMetadata: secretMeta },
  operations: {
    ...Object.assign({}, ...mounts.map(kvOperations)),
    'GET /v1/sys/init': { operationId: 'vault.sys.init', responses: ok('Always initialized', obj({ initialized: bool })) },
    'GET /v1/sys/mounts': {
      operationId: 'vault.sys.mounts',
      responses: ok('The KV v2 mounts by path, at the top level (old clients) and in the envelope', {
        type: 'object',
        properties: envelopeFields(map(obj(mountFields))),
        required: Object.keys(envelopeFields({})),
        additionalProperties: obj(mountFields),
      }),
    },
    'GET /v1/sys/internal/ui/mounts/{*}': {
      operationId: 'vault.sys.uiMount',
      path: '/v1/sys/internal/ui/mounts/{path}',
      responses: ok(
        'The mount a path is under (the vault CLI detects KV v2 from options.version)',
        envelope(obj({ path: str, ...mountFields })),
      ),
    },
    'GET /v1/auth/token/lookup-self': { operationId: 'vault.token.lookupSelf', responses: ok('The calling token', tokenLookup) },
    'POST /v1/auth/token/lookup-self': { operationId: 'vault.token.lookupSelf.post', responses: ok('The calling token', tokenLookup) },
  },
});
