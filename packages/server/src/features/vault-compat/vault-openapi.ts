// The documented responses of the Vault-compatible paths the KV v2 clients use most (OpenAPI;
// documentation only, see http/openapi). Their errors are in Vault's { errors: [...] } shape.
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
} from '../../lib/json-schema.js';

/** Vault's response envelope around `data`. */
const envelope = (data: JsonSchema): JsonSchema =>
  obj({
    request_id: str,
    lease_id: str,
    renewable: bool,
    lease_duration: int,
    data,
    wrap_info: nullable(openObject),
    warnings: nullable(arr(str)),
    auth: nullable(openObject),
  });
const versionMeta = obj({ created_time: dateTime, custom_metadata: nullable(map(str)), deletion_time: str, destroyed: bool, version: int });
const noContent = { 204: { description: 'Done (no body)' } };

export const vaultDocs: FeatureDocs = {
  schemas: { VaultKvVersionMetadata: versionMeta },
  operations: {
    'GET /v1/kv/data/{*}': {
      operationId: 'vault.kv.read',
      path: '/v1/kv/data/{path}',
      responses: ok('The data of one version and its metadata', envelope(obj({ data: map({}), metadata: ref('VaultKvVersionMetadata') }))),
    },
    'POST /v1/kv/data/{*}': {
      operationId: 'vault.kv.write',
      path: '/v1/kv/data/{path}',
      responses: ok('The metadata of the new version', envelope(ref('VaultKvVersionMetadata'))),
    },
    'PUT /v1/kv/data/{*}': {
      operationId: 'vault.kv.write.put',
      path: '/v1/kv/data/{path}',
      responses: ok('The metadata of the new version', envelope(ref('VaultKvVersionMetadata'))),
    },
    'DELETE /v1/kv/data/{*}': { operationId: 'vault.kv.deleteLatest', path: '/v1/kv/data/{path}', responses: noContent },
    'GET /v1/kv/metadata/{*}': {
      operationId: 'vault.kv.metadata',
      path: '/v1/kv/metadata/{path}',
      responses: ok(
        "A secret's metadata and its versions",
        envelope(
          obj({
            cas_required: bool,
            created_time: dateTime,
            current_version: int,
            custom_metadata: nullable(map(str)),
            delete_version_after: str,
            max_versions: int,
            oldest_version: int,
            updated_time: dateTime,
            versions: map(obj({ created_time: dateTime, deletion_time: str, destroyed: bool })),
          }),
        ),
      ),
    },
    'GET /v1/auth/token/lookup-self': {
      operationId: 'vault.token.lookupSelf',
      responses: ok(
        'The calling token',
        envelope(
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
        ),
      ),
    },
  },
};
