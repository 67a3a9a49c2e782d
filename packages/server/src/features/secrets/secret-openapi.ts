// The documented responses of the secret routes (OpenAPI; documentation only, see http/openapi).
import {
  anyValue,
  arr,
  constant,
  created,
  dateTime,
  int,
  map,
  nullable,
  obj,
  ok,
  oneOf,
  ref,
  str,
  type FeatureDocs,
} from '../../lib/json-schema.js';

const LABELS = ['current', 'pending', 'previous'];
const labelList = arr(oneOf(...LABELS));
const metaFields = {
  id: str,
  name: str,
  type: str,
  description: nullable(str),
  tags: arr(str),
  service: nullable(str),
  environment: nullable(str),
  criticality: oneOf('low', 'medium', 'high', 'critical'),
  owner: nullable(str),
  expires_at: nullable(dateTime),
  metadata: map(str),
  max_versions: int,
  labels: obj({ current: int, pending: int, previous: int }, { optional: LABELS }),
  latest_version: int,
  created_at: dateTime,
  updated_at: dateTime,
  deleted_at: nullable(dateTime),
};
const written = obj({ name: str, version: int, labels: labelList, created_at: dateTime });

export const secretDocs: FeatureDocs = {
  schemas: {
    SecretMeta: obj(metaFields),
    SecretVersion: obj({
      version: int,
      state: str,
      labels: labelList,
      size_bytes: int,
      value_kind: str,
      created_at: dateTime,
      created_by: nullable(str),
      destroyed_at: nullable(dateTime),
    }),
    SecretDetail: obj({ ...metaFields, versions: arr(ref('SecretVersion')) }),
    SecretValue: obj({ name: str, version: int, labels: labelList, type: str, value: anyValue, created_at: dateTime }),
    SecretWritten: written,
    FingerprintMatch: obj(
      { sha256: str, tenant: str, secret: str, version: int, field: str, label: oneOf(...LABELS) },
      { optional: ['field', 'label'] },
    ),
  },
  operations: {
    'GET /v1/secrets': {
      operationId: 'secrets.list',
      responses: ok('Metadata of the secrets, one page', obj({ items: arr(ref('SecretMeta')), next_cursor: nullable(str) })),
    },
    'POST /v1/secrets': { operationId: 'secrets.create', responses: created('The secret and its first version', ref('SecretWritten')) },
    'POST /v1/fingerprints/match': {
      operationId: 'fingerprints.match',
      responses: ok('The stored secrets whose value has one of the digests', obj({ matches: arr(ref('FingerprintMatch')) })),
    },
    'GET /v1/secrets/{*}': [
      {
        operationId: 'secrets.read',
        path: '/v1/secrets/{name}',
        summary: 'Read a value (?version=, ?label=, ?field=)',
        responses: ok('The value of one version', ref('SecretValue')),
      },
      {
        operationId: 'secrets.describe',
        path: '/v1/secrets/{name}:describe',
        summary: 'Metadata and versions of a secret (no value)',
        responses: ok('The metadata and every version', ref('SecretDetail')),
      },
      {
        operationId: 'secrets.versions',
        path: '/v1/secrets/{name}:versions',
        summary: 'The version history of a secret (no value)',
        responses: ok('The versions, newest first', obj({ name: str, versions: arr(ref('SecretVersion')) })),
      },
    ],
    'PUT /v1/secrets/{*}': {
      operationId: 'secrets.write',
      path: '/v1/secrets/{name}',
      responses: ok('The new version', ref('SecretWritten')),
    },
    'PATCH /v1/secrets/{*}': {
      operationId: 'secrets.update',
      path: '/v1/secrets/{name}',
      responses: ok('The metadata after the change', ref('SecretDetail')),
    },
    'DELETE /v1/secrets/{*}': {
      operationId: 'secrets.delete',
      path: '/v1/secrets/{name}',
      responses: ok('Soft-deleted (restorable)', obj({ name: str, deleted_at: dateTime })),
    },
    'POST /v1/secrets/{*}': [
      {
        operationId: 'secrets.restore',
        path: '/v1/secrets/{name}:restore',
        summary: 'Undo a soft delete',
        responses: ok('Restored', obj({ name: str, restored: constant(true) })),
      },
      {
        operationId: 'secrets.destroy',
        path: '/v1/secrets/{name}:destroy',
        summary: 'Crypto-shred versions (body {versions}) or a deleted secret',
        responses: ok(
          'What was destroyed: the listed versions, or "all"',
          obj({ name: str, destroyed: { oneOf: [constant('all'), arr(int)] } }),
        ),
      },
    ],
  },
};
