// Encoding of secret values for the barrier: strings and JSON objects, size limits, fingerprints.
import { fail } from '../../lib/errors.js';
import type { Barrier } from '../../barrier/barrier.js';
import type { SecretValue } from './secret-types.js';

export interface EncodedValue {
  kind: 'string' | 'json';
  bytes: Buffer;
}

export const encodeValue = (value: unknown, maxBytes: number): EncodedValue => {
  let encoded: EncodedValue;
  if (typeof value === 'string') encoded = { kind: 'string', bytes: Buffer.from(value, 'utf8') };
  else if (value !== null && typeof value === 'object' && !Array.isArray(value))
    encoded = { kind: 'json', bytes: Buffer.from(JSON.stringify(value), 'utf8') };
  else
    throw fail('VALIDATION_FAILED', 'A secret value must be a string or a JSON object.', [
      { path: 'value', message: 'must be a string or an object' },
    ]);
  if (encoded.bytes.length === 0)
    throw fail('VALIDATION_FAILED', 'A secret value cannot be empty.', [{ path: 'value', message: 'must not be empty' }]);
  if (encoded.bytes.length > maxBytes) {
    throw fail(
      'PAYLOAD_TOO_LARGE',
      `The secret value is ${encoded.bytes.length} bytes; the limit is ${maxBytes} bytes (KEYHAVEN_MAX_VALUE_BYTES).`,
    );
  }
  return encoded;
};

export const decodeValue = (kind: string, bytes: Buffer): SecretValue =>
  kind === 'json' ? (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>) : bytes.toString('utf8');

/** Keyed fingerprints of the whole value and of each top-level string field of a JSON value. */
export const fingerprintsOf = (barrier: Barrier, value: SecretValue, encoded: EncodedValue) => {
  const out = [{ field: '', fingerprint: barrier.fingerprint(encoded.bytes) }];
  if (typeof value === 'object') {
    for (const [field, v] of Object.entries(value)) {
      if (typeof v === 'string' && v.length > 0) out.push({ field, fingerprint: barrier.fingerprint(v) });
    }
  }
  return out;
};

export const aadFor = (tenant: string, secretId: string, version: number) => `${tenant}|${secretId}|${version}`;
