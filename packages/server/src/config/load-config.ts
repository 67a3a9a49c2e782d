// Builds the configuration from a file, the environment and flags, and reports every problem at once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { configSchema, crossFieldProblems, type KeyhavenConfig, type KeyhavenConfigInput } from './config-schema.js';
import { KeyhavenError } from '../lib/errors.js';

/** Environment variables and the config keys they set. `*_FILE` variants read the value from a file. */
const ENV_KEYS: Record<string, keyof KeyhavenConfigInput> = {
  KEYHAVEN_LISTEN: 'listen',
  KEYHAVEN_DATA_DIR: 'dataDir',
  KEYHAVEN_DATABASE_URL: 'databaseUrl',
  KEYHAVEN_MASTER_KEY: 'masterKey',
  KEYHAVEN_MASTER_KEY_FILE: 'masterKeyFile',
  KEYHAVEN_LOG_LEVEL: 'logLevel',
  KEYHAVEN_LOG_SECRET_NAMES: 'logSecretNames',
  KEYHAVEN_MAX_VALUE_BYTES: 'maxValueBytes',
  KEYHAVEN_DATABASE_QUERY_TIMEOUT_MS: 'databaseQueryTimeoutMs',
};
const NUMERIC = new Set<keyof KeyhavenConfigInput>(['maxValueBytes', 'maxBodyBytes', 'defaultMaxVersions', 'databaseQueryTimeoutMs']);

export interface LoadConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Partial<KeyhavenConfigInput>;
}

const fromEnv = (env: NodeJS.ProcessEnv, problems: string[]): Partial<KeyhavenConfigInput> => {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (NUMERIC.has(key)) {
      const n = Number(raw);
      if (!Number.isFinite(n)) problems.push(`${name}: must be a number`);
      else out[key] = n;
    } else out[key] = raw;
  }
  if (env.KEYHAVEN_DATABASE_URL_FILE) {
    if (env.KEYHAVEN_DATABASE_URL) problems.push('databaseUrl: set either KEYHAVEN_DATABASE_URL or KEYHAVEN_DATABASE_URL_FILE, not both');
    try {
      out.databaseUrl = readFileSync(env.KEYHAVEN_DATABASE_URL_FILE, 'utf8').trim();
      if (!out.databaseUrl) {
        delete out.databaseUrl;
        problems.push(`KEYHAVEN_DATABASE_URL_FILE: ${env.KEYHAVEN_DATABASE_URL_FILE} is empty`);
      }
    } catch {
      problems.push(`KEYHAVEN_DATABASE_URL_FILE: cannot read ${env.KEYHAVEN_DATABASE_URL_FILE}`);
    }
  }
  // provider features: the master key source as JSON (KEYHAVEN_MASTER_KEY_SOURCE) or a JSON/YAML file
  if (env.KEYHAVEN_MASTER_KEY_SOURCE || env.KEYHAVEN_MASTER_KEY_SOURCE_FILE) {
    const name = env.KEYHAVEN_MASTER_KEY_SOURCE ? 'KEYHAVEN_MASTER_KEY_SOURCE' : 'KEYHAVEN_MASTER_KEY_SOURCE_FILE';
    try {
      const text = env.KEYHAVEN_MASTER_KEY_SOURCE ?? readFileSync(env.KEYHAVEN_MASTER_KEY_SOURCE_FILE!, 'utf8');
      const parsed = YAML.parse(text) as Record<string, unknown> | null;
      out.masterKeySource = parsed && typeof parsed === 'object' && 'masterKeySource' in parsed ? parsed.masterKeySource : parsed;
    } catch {
      problems.push(`${name}: must be a JSON object (or a readable JSON/YAML file) such as {"kind":"aws-kms","keyId":"…","region":"…"}`);
    }
  }
  const audit: Record<string, unknown> = {};
  if (env.KEYHAVEN_AUDIT_SINKS !== undefined)
    audit.sinks = env.KEYHAVEN_AUDIT_SINKS.split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  if (env.KEYHAVEN_AUDIT_FILE) audit.file = env.KEYHAVEN_AUDIT_FILE;
  if (env.KEYHAVEN_AUDIT_ANCHOR_FILE) audit.anchorFile = env.KEYHAVEN_AUDIT_ANCHOR_FILE;
  if (env.KEYHAVEN_AUDIT_DIGEST_INTERVAL_SECONDS) {
    const n = Number(env.KEYHAVEN_AUDIT_DIGEST_INTERVAL_SECONDS);
    if (!Number.isInteger(n)) problems.push('KEYHAVEN_AUDIT_DIGEST_INTERVAL_SECONDS: must be a whole number of seconds');
    else audit.digestIntervalSeconds = n;
  }
  if (env.KEYHAVEN_AUDIT_RETENTION_DAYS) {
    const n = Number(env.KEYHAVEN_AUDIT_RETENTION_DAYS);
    if (!Number.isInteger(n)) problems.push('KEYHAVEN_AUDIT_RETENTION_DAYS: must be a whole number of days');
    else audit.retentionDays = n;
  }
  if (Object.keys(audit).length) out.audit = audit;
  if (env.KEYHAVEN_CHANGE_FEED) {
    if (env.KEYHAVEN_CHANGE_FEED !== 'log' && env.KEYHAVEN_CHANGE_FEED !== 'notify')
      problems.push('KEYHAVEN_CHANGE_FEED: must be log or notify');
    else out.changeFeed = { mode: env.KEYHAVEN_CHANGE_FEED };
  }
  if (env.KEYHAVEN_READ_CACHE_BYTES) {
    const n = Number(env.KEYHAVEN_READ_CACHE_BYTES);
    if (!Number.isInteger(n) || n < 0)
      problems.push('KEYHAVEN_READ_CACHE_BYTES: must be a whole number of bytes (0 turns the read cache off)');
    else out.readCache = { maxBytes: n };
  }
  // Providers that reach the server's own process or files (operator settings, never per tenant).
  const bool = (name: string): boolean | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name}: must be true or false`);
    return undefined;
  };
  const list = (name: string) =>
    env[name]
      ? env[name]!.split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined;
  const hostProviders: Record<string, Record<string, unknown>> = {};
  const envOn = bool('KEYHAVEN_PROVIDERS_ENV_ENABLED');
  const envAllow = list('KEYHAVEN_PROVIDERS_ENV_ALLOW');
  if (envOn !== undefined || envAllow) hostProviders.env = drop({ enabled: envOn, allow: envAllow });
  const dotOn = bool('KEYHAVEN_PROVIDERS_DOTENV_ENABLED');
  const dotDirs = list('KEYHAVEN_PROVIDERS_DOTENV_DIRECTORIES');
  if (dotOn !== undefined || dotDirs) hostProviders.dotenv = drop({ enabled: dotOn, directories: dotDirs });
  const ambient = bool('KEYHAVEN_PROVIDERS_AMBIENT_CREDENTIALS');
  if (ambient !== undefined) (hostProviders as Record<string, unknown>).ambientCredentials = ambient;
  if (Object.keys(hostProviders).length) out.providers = hostProviders;
  // Egress policy for destinations tenants supply (operator settings).
  const egressLoopback = bool('KEYHAVEN_EGRESS_ALLOW_LOOPBACK');
  const egressAllow = list('KEYHAVEN_EGRESS_ALLOW');
  const egressDeny = list('KEYHAVEN_EGRESS_DENY');
  if (egressLoopback !== undefined || egressAllow || egressDeny)
    out.egress = drop({ allowLoopback: egressLoopback, allow: egressAllow, deny: egressDeny });
  // Keyring (KEK) rotation: KEYHAVEN_KEY_ROTATION_* or seed 003's unprefixed KEY_ROTATION_* (the
  // prefixed form wins when both are set).
  const keyRotation: Record<string, unknown> = {};
  const kr = (name: string) => (env[`KEYHAVEN_${name}`] !== undefined && env[`KEYHAVEN_${name}`] !== '' ? `KEYHAVEN_${name}` : name);
  const krOn = bool(kr('KEY_ROTATION_ENABLED'));
  if (krOn !== undefined) keyRotation.enabled = krOn;
  const krHoursName = kr('KEY_ROTATION_INTERVAL_HOURS');
  if (env[krHoursName]) {
    const n = Number(env[krHoursName]);
    if (!Number.isFinite(n) || n <= 0)
      problems.push(`${krHoursName}: must be a positive number of hours (fractions allowed, at least 0.0167 = 1 minute)`);
    else keyRotation.intervalHours = n;
  }
  for (const [name, key] of [
    ['KEY_ROTATION_SCHEDULE', 'schedule'],
    ['KEY_ROTATION_TIMEZONE', 'timezone'],
  ] as const) {
    const v = env[kr(name)];
    if (v) keyRotation[key] = v.trim();
  }
  const krCheck = env.KEYHAVEN_KEY_ROTATION_CHECK_SECONDS;
  if (krCheck) {
    const n = Number(krCheck);
    if (!Number.isInteger(n) || n < 1 || n > 3600)
      problems.push('KEYHAVEN_KEY_ROTATION_CHECK_SECONDS: must be a whole number of seconds from 1 to 3600');
    else keyRotation.checkSeconds = n;
  }
  if (Object.keys(keyRotation).length) out.keyRotation = keyRotation;
  if (env.KEYHAVEN_TLS_CERT_FILE || env.KEYHAVEN_TLS_KEY_FILE) {
    out.tls = { certFile: env.KEYHAVEN_TLS_CERT_FILE ?? '', keyFile: env.KEYHAVEN_TLS_KEY_FILE ?? '' };
  }
  return out as Partial<KeyhavenConfigInput>;
};

const fromFile = (file: string, problems: string[]): Partial<KeyhavenConfigInput> => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    problems.push(`config file ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  try {
    const parsed = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`config file ${file}: must hold a mapping of settings`);
      return {};
    }
    return parsed as Partial<KeyhavenConfigInput>;
  } catch (e) {
    problems.push(`config file ${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${(e as Error).message.split('\n')[0]})`);
    return {};
  }
};

const drop = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Loads and validates the configuration; throws CONFIG_INVALID with every problem listed. */
export const loadConfig = (opts: LoadConfigOptions = {}): KeyhavenConfig => {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const file = opts.file ?? env.KEYHAVEN_CONFIG;
  const fileCfg = file ? fromFile(file, problems) : {};
  const envCfg = fromEnv(env, problems);
  const flags = drop(opts.flags ?? {});
  const merged = { ...fileCfg, ...envCfg, ...flags };
  const audits = [fileCfg.audit, envCfg.audit, flags.audit].filter(Boolean);
  if (audits.length) merged.audit = Object.assign({}, ...audits);
  const readCaches = [fileCfg.readCache, envCfg.readCache, flags.readCache].filter(Boolean);
  if (readCaches.length) merged.readCache = Object.assign({}, ...readCaches);
  const changeFeeds = [fileCfg.changeFeed, envCfg.changeFeed, flags.changeFeed].filter(Boolean);
  if (changeFeeds.length) merged.changeFeed = Object.assign({}, ...changeFeeds);
  const keyRotations = [fileCfg.keyRotation, envCfg.keyRotation, flags.keyRotation].filter(Boolean);
  if (keyRotations.length) merged.keyRotation = Object.assign({}, ...keyRotations);
  const egresses = [fileCfg.egress, envCfg.egress, flags.egress].filter(Boolean);
  if (egresses.length) merged.egress = Object.assign({}, ...egresses);
  // providers: env, file and flags each may set some keys; env/dotenv blocks are merged key by key too.
  const providerBlocks = [fileCfg.providers, envCfg.providers, flags.providers].filter(Boolean) as Array<Record<string, unknown>>;
  if (providerBlocks.length) {
    const p: Record<string, unknown> = Object.assign({}, ...providerBlocks);
    for (const k of ['env', 'dotenv']) {
      const parts = providerBlocks.map((b) => b[k]).filter((x) => x && typeof x === 'object');
      if (parts.length) p[k] = Object.assign({}, ...parts);
    }
    merged.providers = p as KeyhavenConfigInput['providers'];
  }
  problems.push(...crossFieldProblems(merged));
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) {
    throw new KeyhavenError('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { problems });
  }
  const config = result.data;
  return Object.freeze({ ...config, dataDir: path.resolve(config.dataDir) });
};
