// The documented responses of the audit routes (OpenAPI; documentation only, see http/openapi).
import {
  arr,
  bool,
  constant,
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

const events = obj({ items: arr(ref('AuditEvent')), next_before: nullable(int) });
const anomalies = obj({ items: arr(ref('Anomaly')) });
const exportResponses = {
  200: {
    description:
      'Every matching event oldest first, one JSON object a line (format=jsonl); an unfiltered export of one ' +
      "tenant ends with its chain's signed checkpoints, so it verifies on its own. format=csv: a header row, then one event a row.",
    contentType: 'application/x-ndjson',
    schema: { type: 'string', description: 'JSON lines; each line is described by x-keyhaven-item-schema' },
    itemSchema: { oneOf: [ref('AuditEvent'), ref('AuditExportCheckpoint')] },
    alternatives: { 'text/csv': { type: 'string', description: 'CSV: a header row naming the AuditEvent fields, one event a row' } },
  },
};

export const auditDocs: FeatureDocs = {
  schemas: {
    AuditEvent: obj({
      seq: { type: 'integer', description: 'Global insertion order across chains (what pages go by)' },
      chain: {
        type: 'string',
        description: "The hash chain: the tenant's id, empty for system events, ~legacy for entries from before 011",
      },
      chain_seq: { type: 'integer', description: 'The position in the chain, covered by its MAC' },
      tenant: { type: 'string', description: 'Empty for events outside any tenant' },
      time: dateTime,
      actor_id: nullable(str),
      actor_name: nullable(str),
      actor_kind: str,
      action: str,
      resource: nullable(str),
      outcome: str,
      status: nullable(int),
      error_code: nullable(str),
      source_ip: nullable(str),
      user_agent: nullable(str),
      request_id: nullable(str),
      version: nullable(int),
      value_hmac: nullable(str),
      details: nullable(openObject),
      prev_hash: str,
      hash: str,
    }),
    AuditExportCheckpoint: {
      ...obj({
        type: constant('audit.checkpoint'),
        kind: oneOf('prune', 'seal', 'head'),
        chain: str,
        seq: { type: 'integer', description: 'The chain position it signs' },
        hash: str,
        signature: str,
      }),
      description: "A chain's signed checkpoint (retention, seal or head), carried at the end of an unfiltered tenant export",
    },
    Anomaly: obj(
      {
        kind: oneOf('repeated_failures', 'unusual_volume', 'new_source_ip', 'stale_read_after_emergency_rotation'),
        tenant: str,
        key: str,
        summary: str,
        count: int,
        first_seen: dateTime,
        last_seen: dateTime,
        actor_id: nullable(str),
        source_ip: nullable(str),
        resource: nullable(str),
      },
      { optional: ['actor_id', 'source_ip', 'resource'] },
    ),
    AuditVerifyResult: obj(
      {
        ok: bool,
        code: constant('AUDIT_CHAIN_DAMAGED'),
        checked: int,
        first_seq: nullable(int),
        last_seq: nullable(int),
        broken: obj({ chain: nullable(str), seq: nullable(int), reason: str }),
        problems: arr(obj({ kind: str, chain: nullable(str), seq: nullable(int), reason: str }, { open: true })),
        more_problems: bool,
        head: nullable(obj({ seq: int, hash: str })),
        chains: arr(obj({ chain: str, checked: int, first_seq: nullable(int), last_seq: nullable(int), from_checkpoint: nullable(int) })),
        digest: nullable(obj({ seq: int, time: dateTime, chains: int })),
        anchor: obj({ status: oneOf('ok', 'none', 'off', 'invalid'), file: nullable(str), seq: nullable(int), time: nullable(dateTime) }),
        appends: oneOf('ok', 'refused', 'off'),
        from_checkpoint: nullable(int),
        seals: arr(obj({ chain: str, seq: int, time: dateTime, reason: nullable(str) })),
      },
      { optional: ['code', 'broken'] },
    ),
    AuditExportVerifyResult: obj(
      {
        ok: bool,
        code: constant('AUDIT_CHAIN_DAMAGED'),
        checked: int,
        chains: arr(obj({ chain: str, checked: int, first_seq: nullable(int), last_seq: nullable(int), head: nullable(int) })),
        legacy_entries: int,
        problems: arr(obj({ kind: str, chain: nullable(str), seq: nullable(int), reason: str }, { open: true })),
        more_problems: bool,
      },
      { optional: ['code'] },
    ),
  },
  operations: {
    'GET /v1/audit/events': { operationId: 'audit.events', responses: ok("The tenant's events, newest first, one page", events) },
    'GET /v1/audit/export': {
      operationId: 'audit.export',
      responses: exportResponses,
    },
    'GET /v1/audit/access/{*}': {
      operationId: 'audit.access',
      path: '/v1/audit/access/{name}',
      responses: ok('Who touched one secret, newest first', events),
    },
    'GET /v1/audit/anomalies': { operationId: 'audit.anomalies', responses: ok("The tenant's anomaly signals", anomalies) },
    'GET /v1/sys/audit/events': { operationId: 'sys.audit.events', responses: ok('Events of every tenant (root)', events) },
    'GET /v1/sys/audit/export': {
      operationId: 'sys.audit.export',
      responses: exportResponses,
    },
    'POST /v1/sys/audit/verify': { operationId: 'sys.audit.verify', responses: ok('The verification report', ref('AuditVerifyResult')) },
    'POST /v1/audit/verify': {
      operationId: 'audit.verify',
      responses: ok("The verification report of this tenant's chain", ref('AuditVerifyResult')),
    },
    'POST /v1/audit/verify-export': {
      operationId: 'audit.verifyExport',
      responses: ok("The verification report of this tenant's export", ref('AuditExportVerifyResult')),
    },
    'POST /v1/sys/audit/verify-export': {
      operationId: 'sys.audit.verifyExport',
      responses: ok('The verification report of an export', ref('AuditExportVerifyResult')),
    },
    'GET /v1/sys/audit/anomalies': { operationId: 'sys.audit.anomalies', responses: ok('Anomaly signals of every tenant', anomalies) },
    'POST /v1/sys/audit/seal': {
      operationId: 'sys.audit.seal',
      responses: ok(
        'The break is acknowledged by a seal entry; verification starts again after it (an intact chain is AUDIT_CHAIN_INTACT)',
        obj({
          sealed: constant(true),
          sealed_at: { type: 'integer', description: 'The entry after which verification starts again' },
          seal_seq: { type: 'integer', description: 'The seal entry itself' },
          chains: arr(
            obj({ chain: str, sealed_at: { type: 'integer', description: "The chain's position after which verification starts again" } }),
          ),
          acknowledged: arr(obj({ kind: str, seq: nullable(int), reason: str }, { open: true })),
        }),
      ),
    },
    'POST /v1/sys/audit/prune': {
      operationId: 'sys.audit.prune',
      responses: ok(
        'How many entries were deleted, and the signed checkpoint left in their place (the newest, and one per pruned chain)',
        obj({ pruned: int, checkpoint: nullable(int), chains: arr(obj({ chain: str, checkpoint: int })) }),
      ),
    },
  },
};
