// The documented responses of the health and tenant routes, the audit checkpoint and Vault's health
// and seal status (OpenAPI; documentation only, see http/openapi).
import { arr, constant, dateTime, int, map, nullable, obj, ok, oneOf, str, type FeatureDocs } from '../../lib/json-schema.js';

export const systemDocs: FeatureDocs = {
  operations: {
    'GET /health': {
      operationId: 'health.get',
      responses: {
        200: { description: 'Up, database reachable', schema: obj({ status: constant('ok'), database: constant('ok') }) },
        503: { description: 'Database unreachable', schema: obj({ status: constant('degraded'), database: constant('unavailable') }) },
      },
    },
    'GET /health/live': { operationId: 'health.live', responses: ok('The process answers', obj({ status: constant('ok') })) },
    'GET /health/ready': {
      operationId: 'health.ready',
      responses: {
        200: { description: 'Ready', schema: obj({ status: constant('ready'), checks: map(str) }) },
        503: { description: 'Not ready: the failing checks say why', schema: obj({ status: constant('not_ready'), checks: map(str) }) },
      },
    },
    'DELETE /v1/tenants/{id}': { operationId: 'tenants.delete', responses: ok('Deleted', obj({ id: str, deleted: constant(true) })) },
    'GET /v1/sys/audit/checkpoint': {
      operationId: 'sys.audit.checkpoint',
      responses: ok(
        'A signed digest of every chain head (ADR 0011), stored in audit_digests unless a chain is damaged',
        obj({
          format: str,
          seq: int,
          hash: str,
          time: dateTime,
          heads: arr({ type: 'array', description: '[chain, position, hash]', items: {} }),
          signature: str,
          anchor_file: nullable(str),
          stored: { type: 'boolean' },
        }),
      ),
    },
    'GET /v1/sys/health': {
      operationId: 'vault.sys.health',
      responses: ok(
        "Vault's health answer",
        obj(
          {
            initialized: { type: 'boolean' },
            sealed: { type: 'boolean' },
            standby: { type: 'boolean' },
            version: str,
            cluster_name: str,
            cluster_id: str,
            server_time_utc: int,
          },
          { open: true },
        ),
      ),
    },
    'GET /v1/sys/seal-status': {
      operationId: 'vault.sys.sealStatus',
      responses: ok(
        "Vault's seal status",
        obj({ type: oneOf('shamir'), initialized: { type: 'boolean' }, sealed: { type: 'boolean' }, version: str }, { open: true }),
      ),
    },
  },
};
