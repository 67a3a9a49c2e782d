// The env provider: the process environment as a read-only secret source (references like env://VAR).
// Writes and deletes are refused with PROVIDER_CAPABILITY_MISSING; versions are content hashes.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { capabilityMissing, checkName, notFound } from '../provider-support.js';
import type { Provider, ProviderCapabilities, ProviderDefinition, ProviderSecretVersion } from '../provider-types.js';

const KIND = 'env';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_RULE = 'an environment variable name: letters, digits and "_", not starting with a digit';

export const envConfigSchema = z.object({ prefix: z.string().regex(/^[A-Za-z0-9_]*$/).default('') }).strict();
export type EnvConfig = z.infer<typeof envConfigSchema>;

export const envCapabilities: ProviderCapabilities = {
  versions: false, labels: false, cas: false, disableVersions: false, writable: false, maxValueBytes: 128 * 1024, nameRule: NAME_RULE,
};

const hash = (v: string) => createHash('sha256').update(v).digest('hex').slice(0, 16);

/** `source` defaults to process.env; tests and embedders may pass another map. */
export const createEnvProvider = (config: EnvConfig, source: NodeJS.ProcessEnv = process.env): Provider => {
  const get = (name: string): ProviderSecretVersion => {
    checkName(name, NAME, NAME_RULE, KIND);
    const value = source[config.prefix + name];
    if (value === undefined) throw notFound(KIND, name);
    return { name, version: hash(value), value, labels: ['current'] };
  };
  const readOnly = (op: string) => async (): Promise<never> => {
    throw capabilityMissing(KIND, `${op} (the process environment is read-only)`);
  };
  return {
    kind: KIND,
    testConnection: async () => ({ ok: true, details: 'process environment' }),
    create: readOnly('create'),
    write: readOnly('write'),
    delete: readOnly('delete'),
    async read(name, ref) {
      if (ref?.label && ref.label !== 'current') throw capabilityMissing(KIND, `the "${ref.label}" label`);
      const v = get(name);
      if (ref?.version && ref.version !== v.version) throw notFound(KIND, name, ref);
      return v;
    },
    async list(prefix = '') {
      const full = config.prefix + prefix;
      return Object.keys(source).filter((k) => k.startsWith(full) && NAME.test(k.slice(config.prefix.length))).map((k) => k.slice(config.prefix.length)).sort();
    },
    async describe(name) {
      const v = get(name);
      return { name, versions: [{ version: v.version, labels: ['current'], enabled: true }] };
    },
  };
};

export const envDefinition: ProviderDefinition<EnvConfig> = {
  kind: KIND,
  displayName: 'Environment variables',
  description: 'The server process environment, read-only; an optional prefix is prepended to every name.',
  configSchema: envConfigSchema,
  credentialSchema: z.undefined(),
  capabilities: envCapabilities,
  create: async (config) => createEnvProvider(config),
};
