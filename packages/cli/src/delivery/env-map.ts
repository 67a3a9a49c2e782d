// Builds the child environment from fetched secrets by the documented rule (see @keyhaven/sdk
// envVarName: path below --prefix or last segment, upper-cased, non-alphanumerics → `_`, JSON
// objects expand to NAME_FIELD), with --map NAME[#field]=ENV overriding; collisions are errors.
import { expandValue, envVarName } from '@keyhaven/sdk';
import { UsageError } from '../errors.js';

export interface EnvBuild {
  env: Record<string, string>;
  values: string[];
  sourceOf: Map<string, string>;
}

/** Parses `--map` entries `secret[#field]=ENV_NAME`. */
export const parseMaps = (entries: string[] = []): Array<{ ref: string; name: string; field?: string; env: string }> =>
  entries.map((e) => {
    const i = e.lastIndexOf('=');
    if (i <= 0 || i === e.length - 1) throw new UsageError(`--map ${e}: use SECRET[#field]=ENV_NAME.`);
    const ref = e.slice(0, i);
    const env = e.slice(i + 1);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) throw new UsageError(`--map ${e}: "${env}" is not a valid environment variable name.`);
    const h = ref.indexOf('#');
    return { ref, name: h < 0 ? ref : ref.slice(0, h), field: h < 0 ? undefined : ref.slice(h + 1), env };
  });

export const buildSecretEnv = (
  secrets: Array<{ name: string; value: unknown }>,
  opts: { prefix?: string; maps?: ReturnType<typeof parseMaps>; mapOnly?: Set<string> },
): EnvBuild => {
  const env: Record<string, string> = {};
  const sourceOf = new Map<string, string>();
  const explicit = new Set<string>();
  const put = (k: string, v: string, source: string, isExplicit: boolean) => {
    const prev = sourceOf.get(k);
    if (prev !== undefined) {
      if (explicit.has(k) && !isExplicit) return; // an explicit --map wins over a derived name
      if (isExplicit === explicit.has(k))
        throw new UsageError(`Both ${prev} and ${source} map to the environment variable ${k}; add --map to rename one of them.`);
    }
    env[k] = v;
    sourceOf.set(k, source);
    if (isExplicit) explicit.add(k);
  };
  const byName = new Map(secrets.map((s) => [s.name, s.value]));
  for (const m of opts.maps ?? []) {
    if (!byName.has(m.name)) throw new UsageError(`--map ${m.ref}=${m.env}: no such secret was fetched.`);
    let value = byName.get(m.name);
    if (m.field !== undefined) {
      if (typeof value !== 'object' || value === null || !(m.field in (value as object)))
        throw new UsageError(`--map ${m.ref}: the secret has no field "${m.field}".`);
      value = (value as Record<string, unknown>)[m.field];
      put(m.env, typeof value === 'string' ? value : JSON.stringify(value), m.ref, true);
    } else {
      for (const [k, v] of expandValue(m.env, value)) put(k, v, m.ref, true);
    }
  }
  const mapped = new Set((opts.maps ?? []).map((m) => m.name));
  for (const s of secrets) {
    if (mapped.has(s.name) || opts.mapOnly?.has(s.name)) continue;
    for (const [k, v] of expandValue(envVarName(s.name, opts.prefix), s.value)) put(k, v, s.name, false);
  }
  return { env, values: Object.values(env), sourceOf };
};

/** `FOO_FILE=/path` in the base environment provides FOO (when FOO is not set otherwise). A file that
 *  cannot be read (other tools' *_FILE variables often point at optional files) is skipped with a warning. */
export const resolveFileVars = (
  candidates: Record<string, string | undefined>,
  isSet: (name: string) => boolean,
  read: (file: string) => string,
  warn: (m: string) => void = () => {},
): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, file] of Object.entries(candidates)) {
    if (!k.endsWith('_FILE') || !file || k.length <= 5) continue;
    const target = k.slice(0, -5);
    if (isSet(target)) continue;
    try {
      out[target] = read(file).replace(/\r?\n$/, '');
    } catch (e) {
      warn(
        `keyhaven run: ${k} points at ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); ${target} is not set from it\n`,
      );
    }
  }
  return out;
};
