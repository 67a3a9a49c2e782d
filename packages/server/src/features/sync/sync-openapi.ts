// The documented responses of the provider and sync routes the console reads (OpenAPI;
// documentation only, see http/openapi). A provider's configuration and capabilities are open
// objects: each kind has its own.
import {
  arr,
  bool,
  constant,
  created,
  dateTime,
  int,
  nullable,
  obj,
  ok,
  oneOf,
  openObject,
  ref,
  str,
  type FeatureDocs,
} from '../../lib/json-schema.js';

const providerFields = {
  id: str,
  kind: str,
  display_name: str,
  config: openObject,
  credential: obj({ stored: bool, secret: nullable(str) }),
  capabilities: openObject,
  created_at: dateTime,
  updated_at: dateTime,
};
const destinationFields = {
  id: str,
  secret_name: nullable(str),
  prefix: nullable(str),
  provider_id: str,
  template: str,
  initial_policy: str,
  never_delete_remote: bool,
  created_at: dateTime,
};

export const syncDocs: FeatureDocs = {
  schemas: {
    Provider: obj(providerFields),
    SyncDestination: obj(destinationFields),
    SyncState: obj({
      destination_id: str,
      secret_name: str,
      remote_name: nullable(str),
      status: oneOf('ok', 'pending', 'error'),
      last_error: nullable(str),
      synced_version: nullable(int),
      attempts: int,
      next_attempt_at: nullable(dateTime),
      updated_at: dateTime,
    }),
  },
  operations: {
    'GET /v1/providers': {
      operationId: 'providers.list',
      responses: ok(
        'Configured providers and the kinds that can be configured',
        obj({
          items: arr(ref('Provider')),
          kinds: arr(obj({ kind: str, displayName: str, description: str, capabilities: openObject })),
        }),
      ),
    },
    'POST /v1/providers': {
      operationId: 'providers.create',
      responses: created(
        'The new configuration; credential_fields names the fields stored as a Keyhaven secret',
        obj({ ...providerFields, credential_fields: arr(str), created: bool }),
      ),
    },
    'POST /providers/configure': {
      operationId: 'providers.configure',
      responses: {
        200: {
          description: 'The configuration was replaced',
          schema: obj({ ...providerFields, credential_fields: arr(str), created: bool }),
        },
        201: { description: 'The configuration was added', schema: obj({ ...providerFields, credential_fields: arr(str), created: bool }) },
      },
    },
    'POST /v1/providers/{id}/import': {
      operationId: 'providers.import',
      responses: ok(
        'What was (or, in a dry run, would be) created, updated, left unchanged or skipped; never a value',
        obj({
          provider_id: str,
          dry_run: bool,
          created: arr(str),
          updated: arr(str),
          unchanged: arr(str),
          skipped: arr(obj({ remote_name: str, name: str, reason: str }, { optional: ['name'] })),
          counts: obj({ created: int, updated: int, unchanged: int, skipped: int }),
        }),
      ),
    },
    'POST /admin/secrets/providers/{providerId}/credentials/validate': {
      operationId: 'providers.validateCredential',
      responses: ok(
        'The checks on the stored (or candidate) credential: shape, then connection',
        obj({
          provider_id: str,
          kind: str,
          source: oneOf('stored', 'candidate'),
          valid: bool,
          checks: arr(obj({ check: str, ok: bool, error: obj({ code: str, message: str }, { open: true }) }, { optional: ['error'] })),
        }),
      ),
    },
    'GET /v1/providers/{id}': { operationId: 'providers.get', responses: ok('One provider configuration', ref('Provider')) },
    'DELETE /v1/providers/{id}': { operationId: 'providers.delete', responses: ok('Deleted', obj({ id: str, deleted: constant(true) })) },
    'POST /v1/providers/{id}/test': {
      operationId: 'providers.test',
      responses: ok('The result of a connection test (ok, and what the store said)', obj({ id: str, kind: str, ok: bool }, { open: true })),
    },
    'GET /v1/references': {
      operationId: 'references.read',
      responses: ok(
        'The value a provider reference points to',
        obj({ ref: str, provider_id: str, kind: str, value: {}, version: str, cached: bool }),
      ),
    },
    'POST /v1/sync/destinations': {
      operationId: 'sync.destinations.create',
      responses: created(
        'The destination; queued and imported count the secrets it took',
        obj({ ...destinationFields, queued: int, imported: int }),
      ),
    },
    'GET /v1/sync/destinations': {
      operationId: 'sync.destinations.list',
      responses: ok('Sync destinations', obj({ items: arr(ref('SyncDestination')) })),
    },
    'DELETE /v1/sync/destinations/{id}': {
      operationId: 'sync.destinations.delete',
      responses: ok(
        'Deleted; remote_kept says whether the remote copies stay',
        obj({ id: str, deleted: constant(true), remote_kept: bool }),
      ),
    },
    'GET /v1/sync/status': {
      operationId: 'sync.status',
      responses: ok(
        'Sync state of each secret and destination, one page',
        obj({
          summary: obj({ ok: int, pending: int, error: int }),
          items: arr({ $ref: '#/components/schemas/SyncState' }),
          next_cursor: nullable(str),
        }),
      ),
    },
    'POST /v1/sync/run': {
      operationId: 'sync.run',
      responses: ok('What the run did', obj({ processed: int, ok: int, error: int, removed: int })),
    },
  },
};
