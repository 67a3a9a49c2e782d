// The env provider: the process environment as a read-only secret source (references like env://VAR).
// Writes and deletes are refused with PROVIDER_CAPABILITY_MISSING; versions are content hashes.
// It reaches the server's own process, so it is off unless the operator enables providers.env, and it
// serves only the variables in providers.env.allow; KEYHAVEN_* (the server's own settings) never.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fail } from '../../lib/errors.js';
import { capabilityMissing, checkName, notFound } from '../provider-support.js';
import type { Provider, ProviderCapabilities, ProviderDefinition, ProviderSecretVersion } from '../provider-types.js';

const KIND = 'env';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_RULE = 'an environment variable name: letters, digits and "_", not starting with a digit';

export const envConfigSchema = z
  .object({
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_]*$/)
      .default(''),
  })
  .strict();
export type EnvConfig = z.infer<typeof envConfigSchema>;

export const envCapabilities: ProviderCapabilities = {
  versions: false,
  labels: false,
  cas: false,
  disableVersions: false,
  writable: false,
  maxValueBytes: 128 * 1024,
  nameRule: NAME_RULE,
};

const hash = (v: string) => createHash('sha256').update(v).digest('hex').slice(0, 16);

/** Names the server keeps for its own settings: never served, whatever the allow-list says. */
export const isReservedVariable = (name: string) => /^KEYHAVEN_/i.test(name);

/** An allow-list of names and globs (`*` any run of characters, `?` one) as one predicate. */
export const variableMatcher = (allow: readonly string[]) => {
  const res = allow.map(
    (g) =>
      new RegExp(
        `^${g
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      ),
  );
  return (name: string) => !isReservedVariable(name) && res.some((r) => r.test(name));
};

export interface EnvProviderOptions {
  /** Variable names or globs that may be served (providers.env.allow); KEYHAVEN_* is always refused. */
  allow: readonly string[];
  /** Defaults to process.env; tests and embedders may pass another map. */
  source?: NodeJS.ProcessEnv;
}

export const createEnvProvider = (config: EnvConfig, opts: EnvProviderOptions): Provider => {
  const source = opts.source ?? process.env;
  const allowed = variableMatcher(opts.allow);
  const get = (name: string): ProviderSecretVersion => {
    checkName(name, NAME, NAME_RULE, KIND);
    const full = config.prefix + name;
    if (!allowed(full)) {
      throw fail(
        'PROVIDER_NAME_FORBIDDEN',
        isReservedVariable(full)
          ? `env: ${full} is one of the server's own settings (KEYHAVEN_*) and is never served.`
          : `env: ${full} is not in the operator's allow-list (providers.env.allow); ask an operator to allow it.`,
        { kind: KIND, name },
      );
    }
    const value = source[full];
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
      return Object.keys(source)
        .filter((k) => k.startsWith(full) && allowed(k) && NAME.test(k.slice(config.prefix.length)))
        .map((k) => k.slice(config.prefix.length))
        .sort();
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
  description:
    'The server process environment, read-only; an optional prefix is prepended to every name. Off unless the operator enables providers.env; only the variables in providers.env.allow are served, KEYHAVEN_* never.',
  configSchema: envConfigSchema,
  credentialSchema: z.undefined(),
  capabilities: envCapabilities,
  hostAccess: 'env',
  create: async (config, _credential, ctx) => createEnvProvider(config, { allow: ctx.host.env.allow }),
};
