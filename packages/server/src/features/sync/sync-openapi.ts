// The documented responses of the provider and sync routes the console reads (OpenAPI;
// documentation only, see http/openapi). Provider and destination items are not described yet.
import { arr, dateTime, int, nullable, obj, ok, oneOf, openObject, str, type FeatureDocs } from '../../http/openapi/json-schema.js';

export const syncDocs: FeatureDocs = {
  schemas: {
    SyncState: obj({
      destination_id: str,
      secret_name: str,
      remote_name: str,
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
          items: arr(openObject),
          kinds: arr(obj({ kind: str, displayName: str, description: str, capabilities: openObject })),
        }),
      ),
    },
    'GET /v1/providers/{id}': { operationId: 'providers.get', responses: ok('One provider configuration', openObject) },
    'POST /v1/providers/{id}/test': { operationId: 'providers.test', responses: ok('The result of a connection test', openObject) },
    'GET /v1/sync/destinations': {
      operationId: 'sync.destinations.list',
      responses: ok('Sync destinations', obj({ items: arr(openObject) })),
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
