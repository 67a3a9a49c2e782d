// Fallback sources for the cached reader: environment variables and Docker-style `NAME_FILE` paths.
// Also reads seed 003's SECRETS_CACHE_* / SECRETS_FALLBACK_* settings into reader options.
import { readFileSync } from 'node:fs';
import { envVarName, sanitizeEnvName } from './env-names.js';

export interface FallbackOptions {
  /** Look up `PREFIX + NAME` in the environment. */
  env?: boolean;
  /** Honour `NAME_FILE`: read the value from the file it points at (one trailing newline dropped). */
  files?: boolean;
  /** Prepended to the variable name, e.g. `APP_` → `APP_PASSWORD`. */
  prefix?: string;
  /** Secret-name prefix stripped before mapping (the same rule as `keyhaven run --prefix`). */
  namePrefix?: string;
}

type Env = Record<string, string | undefined>;

/** Reads `NAME` from `NAME_FILE` when that is set: the Docker/Kubernetes secrets convention. */
export const readFileVar = (env: Env, name: string): string | undefined => {
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
};

/** The fallback value of `secret` (or one field), or undefined; `source` says where it came from. */
export const lookupFallback = (
  env: Env,
  opts: FallbackOptions,
  secret: string,
  field?: string,
): { value: string; source: 'env' | 'file' } | undefined => {
  const base = (opts.prefix ?? '') + envVarName(secret, opts.namePrefix);
  const name = field ? `${base}_${sanitizeEnvName(field)}` : base;
  if (opts.env !== false && env[name] !== undefined) return { value: env[name]!, source: 'env' };
  if (opts.files) {
    const v = readFileVar(env, name);
    if (v !== undefined) return { value: v, source: 'file' };
  }
  return undefined;
};

const bool = (v: string | undefined, dflt: boolean) => (v === undefined || v === '' ? dflt : /^(1|true|yes|on)$/i.test(v.trim()));
const num = (v: string | undefined, dflt: number) => {
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : dflt;
};

export interface EnvReaderSettings {
  cacheEnabled: boolean;
  cacheTtlMs: number;
  maxEntries: number;
  maxStaleMs: number;
  fallback: FallbackOptions | false;
}

/**
 * Seed 003's settings (defaults in brackets): SECRETS_CACHE_ENABLED [true], SECRETS_CACHE_TTL_SECONDS
 * (or SECRETS_CACHE_TTL) [300], SECRETS_CACHE_MAX_SIZE [100], SECRETS_FALLBACK_ENABLED [true],
 * SECRETS_FALLBACK_TO_ENV [true]; ours: SECRETS_CACHE_MAX_STALE_SECONDS [3600],
 * SECRETS_FALLBACK_TO_FILES [true], SECRETS_FALLBACK_PREFIX [""].
 */
export const readerSettingsFromEnv = (env: Env = process.env): EnvReaderSettings => {
  const fallbackOn = bool(env.SECRETS_FALLBACK_ENABLED, true);
  return {
    cacheEnabled: bool(env.SECRETS_CACHE_ENABLED, true),
    cacheTtlMs: num(env.SECRETS_CACHE_TTL_SECONDS ?? env.SECRETS_CACHE_TTL, 300) * 1000,
    maxEntries: Math.max(1, Math.floor(num(env.SECRETS_CACHE_MAX_SIZE, 100))),
    maxStaleMs: num(env.SECRETS_CACHE_MAX_STALE_SECONDS, 3600) * 1000,
    fallback: fallbackOn
      ? {
          env: bool(env.SECRETS_FALLBACK_TO_ENV, true),
          files: bool(env.SECRETS_FALLBACK_TO_FILES, true),
          prefix: env.SECRETS_FALLBACK_PREFIX ?? '',
        }
      : false,
  };
};
