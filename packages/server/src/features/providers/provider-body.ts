// Turns a `POST /providers/configure` body (seed 000: `{provider_name, config: {...}}` with secret and
// non-secret fields mixed, snake_case or camelCase) into a registry kind, a config and a credential,
// using the definition's own schemas to decide which field is which. Pure: no I/O.
import { z } from 'zod';
import { fail } from '../../lib/errors.js';
import {
  getProvider,
  isProviderKind,
  parseProviderConfig,
  parseProviderCredential,
  type ProviderKind,
} from '../../providers/provider-registry.js';

/** Seed names and friendly names, mapped to registry kinds. */
export const KIND_ALIASES: Readonly<Record<string, ProviderKind>> = {
  aws: 'aws-sm',
  'aws-sm': 'aws-sm',
  'aws-secrets-manager': 'aws-sm',
  gcp: 'gcp-sm',
  'gcp-sm': 'gcp-sm',
  google: 'gcp-sm',
  azure: 'azure-kv',
  'azure-kv': 'azure-kv',
  'azure-key-vault': 'azure-kv',
  vault: 'vault',
  openbao: 'vault',
  hashicorp: 'vault',
  k8s: 'k8s',
  kubernetes: 'k8s',
  dotenv: 'dotenv',
  env: 'env',
  environment: 'env',
};

/** Field names used by the seeds and other tools for the registry's own field names. */
const FIELD_ALIASES: Readonly<Record<string, Record<string, string>>> = {
  'gcp-sm': { projectId: 'project' },
  vault: { addr: 'address', vaultAddr: 'address', mountPath: 'mount' },
  'azure-kv': { keyVaultUrl: 'vaultUrl' },
};

export const providerIdPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const configureBody = z
  .object({
    provider_name: z.string().min(1).max(64).optional(),
    kind: z.string().min(1).max(64).optional(),
    /** The configuration id; several configurations of one kind need distinct names. Defaults to provider_name/kind. */
    name: z.string().regex(providerIdPattern, 'lower-case letters, digits, "-" and "_", at most 63 characters').optional(),
    config: z.record(z.unknown()).default({}),
    /** Credential fields may also be given apart from config. */
    credential: z.record(z.unknown()).optional(),
    test_connection: z.boolean().default(false),
  })
  .strict();
export type ConfigureBody = z.infer<typeof configureBody>;

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The top-level field names a zod object schema (possibly optional, a union, or refined) accepts. */
export const fieldsOf = (schema: z.ZodTypeAny): Set<string> => {
  const out = new Set<string>();
  const walk = (s: z.ZodTypeAny) => {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) return walk(s.unwrap());
    if (s instanceof z.ZodDefault) return walk(s._def.innerType);
    if (s instanceof z.ZodEffects) return walk(s.innerType());
    if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) return (s.options as z.ZodTypeAny[]).forEach(walk);
    if (s instanceof z.ZodObject) for (const k of Object.keys(s.shape)) out.add(k);
  };
  walk(schema);
  return out;
};

export const resolveKind = (name: string): ProviderKind => {
  const kind = KIND_ALIASES[name.toLowerCase()] ?? (isProviderKind(name) ? name : undefined);
  if (!kind) getProvider(name); // throws PROVIDER_UNKNOWN with the known kinds
  return kind!;
};

export interface SplitBody {
  id: string;
  kind: ProviderKind;
  config: Record<string, unknown>;
  credential: unknown | undefined;
  credentialFields: string[];
}

/** Splits and validates; errors name fields, never values. */
export const splitConfigureBody = (body: ConfigureBody): SplitBody => {
  if (!body.kind && !body.provider_name)
    throw fail('VALIDATION_FAILED', 'Give provider_name (or kind), e.g. "aws".', [{ path: 'provider_name', message: 'required' }]);
  const kind = resolveKind(body.kind ?? body.provider_name!);
  const id = body.name ?? (body.provider_name ?? body.kind)!.toLowerCase();
  if (!providerIdPattern.test(id))
    throw fail('VALIDATION_FAILED', 'The configuration name must be lower-case letters, digits, "-" and "_"; pass "name".', [
      { path: 'name', message: 'invalid id' },
    ]);
  const def = getProvider(kind);
  const credKeys = fieldsOf(def.credentialSchema as z.ZodTypeAny);
  const aliases = FIELD_ALIASES[kind] ?? {};
  const config: Record<string, unknown> = {};
  const credential: Record<string, unknown> = {};
  const known = new Map([...fieldsOf(def.configSchema as z.ZodTypeAny), ...credKeys].map((k) => [k.toLowerCase(), k]));
  const norm = (k: string) => {
    const c = camel(k);
    return aliases[c] ?? known.get(c.toLowerCase()) ?? c;
  };
  for (const [k, v] of Object.entries(body.config)) {
    const key = norm(k);
    if (credKeys.has(key)) credential[key] = v;
    else config[key] = v;
  }
  for (const [k, v] of Object.entries(body.credential ?? {})) credential[norm(k)] = v;
  const parsedConfig = parseProviderConfig(kind, config) as Record<string, unknown>;
  const hasCredential = Object.keys(credential).length > 0;
  const parsedCredential = parseProviderCredential(kind, hasCredential ? credential : undefined);
  return { id, kind, config: parsedConfig, credential: parsedCredential, credentialFields: Object.keys(credential).sort() };
};
