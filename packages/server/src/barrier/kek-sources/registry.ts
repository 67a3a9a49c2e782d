// The KEK source registry: where the barrier's master key can be held (local file/env, AWS KMS, GCP Cloud KMS,
// Azure Key Vault keys, Vault Transit). Each source's schema validates `{ kind, ...settings }`, listing problems
// by path (never values). Cloud sources register their *-definition.js; the SDK loads on first create().
import { z } from 'zod';
import { fail } from '../../lib/errors.js';
import type { KekSource, KekSourceDefinition } from '../kek-source.js';
import { awsKmsKekSource } from './aws-kms-definition.js';
import { azureKvKeysKekSource } from './azure-kv-keys-definition.js';
import { gcpKmsKekSource } from './gcp-kms-definition.js';
import { localKeyDefinition } from './local-key.js';
import { vaultTransitKekSource } from './vault-transit.js';

export const KEK_SOURCES = {
  local: localKeyDefinition,
  'aws-kms': awsKmsKekSource,
  'gcp-kms': gcpKmsKekSource,
  'azure-kv-keys': azureKvKeysKekSource,
  'vault-transit': vaultTransitKekSource,
  // Each definition has its own config type; `any` only erases it for the map's constraint.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
} as const satisfies Record<string, KekSourceDefinition<any>>;

export type KekSourceKind = keyof typeof KEK_SOURCES;
export const kekSourceKinds = () => Object.keys(KEK_SOURCES) as KekSourceKind[];

/** Validates `{ kind, ...settings }`; throws MASTER_KEY_SOURCE_INVALID listing each problem. */
export const parseKekSourceConfig = (raw: unknown): { kind: KekSourceKind; config: unknown } => {
  const obj = (raw ?? {}) as Record<string, unknown>;
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (!Object.hasOwn(KEK_SOURCES, kind)) {
    throw fail('MASTER_KEY_SOURCE_INVALID', `masterKeySource.kind must be one of ${kekSourceKinds().join(', ')}.`, {
      problems: [{ path: 'kind', message: 'unknown kind' }],
      known: kekSourceKinds(),
    });
  }
  const { kind: _k, ...rest } = obj;
  const def = KEK_SOURCES[kind as KekSourceKind] as KekSourceDefinition<unknown>;
  const r = (def.configSchema as z.ZodTypeAny).safeParse(rest);
  if (!r.success) {
    const problems = r.error.issues.map((i) => ({
      path: i.path.join('.') || '(root)',
      message: i.code === 'invalid_type' || i.code === 'unrecognized_keys' ? i.message : i.code,
    }));
    throw fail(
      'MASTER_KEY_SOURCE_INVALID',
      `The ${kind} master key source has ${problems.length} problem(s): ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}.`,
      { kind, problems },
    );
  }
  return { kind: kind as KekSourceKind, config: r.data };
};

export const createKekSource = async (raw: unknown): Promise<KekSource> => {
  const { kind, config } = parseKekSourceConfig(raw);
  return (KEK_SOURCES[kind] as KekSourceDefinition<unknown>).create(config);
};

/** The config block with credential-like settings replaced, for responses and logs. */
export const redactKekSourceConfig = (raw: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [
      k,
      /key$|secret|token|password|credential/i.test(k) && k !== 'keyId' && k !== 'key'
        ? '[redacted]'
        : k === 'key' && raw.kind === 'local'
          ? '[redacted]'
          : v,
    ]),
  );
