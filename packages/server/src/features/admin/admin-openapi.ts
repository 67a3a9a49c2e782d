// The documented responses of the root-only administration routes: seed 003's /admin/secrets
// endpoints in their `{ status: 'success', data }` envelope, the log-name hashes and the master-key
// re-wrap (OpenAPI; documentation only, see http/openapi).
import {
  arr,
  bool,
  constant,
  dateTime,
  int,
  num,
  nullable,
  obj,
  ok,
  oneOf,
  openObject,
  ref,
  str,
  type FeatureDocs,
  type JsonSchema,
} from '../../lib/json-schema.js';

const envelope = (data: JsonSchema) => obj({ status: constant('success'), data });
const probe = obj({ ok: bool, latency_ms: num });
const keyRotation = obj({
  state: str,
  active_kek: str,
  kek_ids: arr(str),
  target_kek: nullable(str),
  total: int,
  done: int,
  remaining: int,
  skipped: int,
  failed: int,
  started_at: nullable(dateTime),
  finished_at: nullable(dateTime),
  error: nullable(str),
  auto: obj({
    enabled: bool,
    interval_hours: num,
    source: { ...oneOf('admin', 'config'), description: '`admin`: the last toggle through the admin API; `config`: the configuration' },
    set_at: nullable(dateTime),
    schedule: nullable(str),
    timezone: str,
    next_at: nullable(dateTime),
    last_rotated_at: nullable(dateTime),
  }),
});
const health = envelope(
  obj({
    status: oneOf('healthy', 'unhealthy'),
    provider: str,
    kek_source: str,
    database: oneOf('ok', 'unavailable'),
    barrier: oneOf('ok', 'failed'),
    active_kek: str,
    key_rotation: str,
    cacheEnabled: bool,
    cacheSize: int,
    lastChecked: dateTime,
  }),
);
const connection = envelope(obj({ connected: bool, database: probe, barrier: probe, checked_at: dateTime }));

export const adminDocs: FeatureDocs = {
  schemas: { KeyRotationStatus: keyRotation },
  operations: {
    'GET /admin/secrets/health': {
      operationId: 'admin.secrets.health',
      responses: {
        200: { description: 'Healthy', schema: health },
        503: { description: 'The database or the barrier failed', schema: health },
      },
    },
    'POST /admin/secrets/test-connection': {
      operationId: 'admin.secrets.testConnection',
      responses: {
        200: { description: 'Both probes passed, with latencies', schema: connection },
        503: { description: 'A probe failed', schema: connection },
      },
    },
    'POST /admin/secrets/clear-cache': {
      operationId: 'admin.secrets.clearCache',
      responses: ok(
        'The caches cleared and how many entries each held',
        envelope(obj({ cleared: arr(obj({ name: str, entries: int })), cleared_at: dateTime })),
      ),
    },
    'GET /admin/secrets/key-rotation/status': {
      operationId: 'admin.keyRotation.status',
      responses: ok('Key-encryption-key rotation state', envelope(ref('KeyRotationStatus'))),
    },
    'POST /admin/secrets/key-rotation/perform': {
      operationId: 'admin.keyRotation.perform',
      responses: {
        202: { description: 'A new KEK is active; re-wrapping runs in the background', schema: envelope(ref('KeyRotationStatus')) },
      },
    },
    'POST /admin/secrets/key-rotation/toggle': {
      operationId: 'admin.keyRotation.toggle',
      responses: ok('The rotation state with the new schedule', envelope(ref('KeyRotationStatus'))),
    },
    'POST /admin/log-name-hash': {
      operationId: 'admin.logNameHash',
      responses: ok(
        'How each name appears in the log',
        obj({ mode: str, tenant: str, hashes: arr(obj({ name: str, hash: str, logged_as: str })) }),
      ),
    },
    'POST /v1/sys/master-key/rewrap': {
      operationId: 'sys.masterKey.rewrap',
      responses: ok(
        'Re-wrapped: the source to restart with (credentials redacted)',
        obj({ rewrapped: constant(true), kind: str, describe: str, restart_with: obj({ masterKeySource: openObject }), message: str }),
      ),
    },
  },
};
