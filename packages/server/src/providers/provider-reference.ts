// Parses provider references such as `aws-sm://name#field` or `vault://mount/path#key` into typed
// parts. Pure: no I/O. Each kind has its own shape; errors say which shape was expected.
import { fail } from '../lib/errors.js';

export type ProviderReference =
  | { kind: 'aws-sm'; name: string; field?: string }
  | { kind: 'gcp-sm'; project: string; name: string; version?: string }
  | { kind: 'azure-kv'; vault: string; name: string; version?: string }
  | { kind: 'vault'; mount: string; path: string; key?: string }
  | { kind: 'k8s'; namespace: string; name: string; key?: string }
  | { kind: 'dotenv'; path: string; key: string }
  | { kind: 'env'; name: string };

const SHAPES: Record<ProviderReference['kind'], string> = {
  'aws-sm': 'aws-sm://<secret-name>[#<json-field>]',
  'gcp-sm': 'gcp-sm://<project>/<secret>[#<version>]',
  'azure-kv': 'azure-kv://<vault>/<secret>[#<version>]',
  vault: 'vault://<mount>/<path>[#<key>]',
  k8s: 'k8s://<namespace>/<name>[#<key>]',
  dotenv: 'dotenv://<file-path>#<KEY>',
  env: 'env://<VARIABLE>',
};

export const referenceShapes = (): Readonly<Record<string, string>> => SHAPES;

const bad = (ref: string, problem: string, kind?: string) =>
  fail(
    'PROVIDER_REFERENCE_INVALID',
    `Invalid reference ${JSON.stringify(ref.slice(0, 200))}: ${problem}.${kind ? ` Expected ${SHAPES[kind as keyof typeof SHAPES]}.` : ''}`,
    {
      shapes: SHAPES,
    },
  );

const decode = (s: string, ref: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(ref, 'it contains an invalid %-escape');
  }
};

/** Splits `rest` into a first segment and the remainder (which may contain further slashes). */
const splitFirst = (rest: string, ref: string, kind: string, first: string, second: string): [string, string] => {
  const i = rest.indexOf('/');
  if (i <= 0 || i === rest.length - 1) throw bad(ref, `it needs both a ${first} and a ${second}`, kind);
  return [rest.slice(0, i), rest.slice(i + 1)];
};

export const parseReference = (ref: string): ProviderReference => {
  const m = /^([a-z0-9-]+):\/\/(.*)$/s.exec(ref);
  if (!m) throw bad(ref, 'it must start with <kind>://');
  const kind = m[1];
  if (!(kind in SHAPES)) throw bad(ref, `unknown kind "${kind}"; known kinds are ${Object.keys(SHAPES).join(', ')}`);
  const body = m[2];
  const hash = body.indexOf('#');
  const rawLoc = hash === -1 ? body : body.slice(0, hash);
  const frag = hash === -1 ? undefined : decode(body.slice(hash + 1), ref);
  if (frag === '') throw bad(ref, 'the part after "#" is empty', kind);
  const loc = decode(rawLoc, ref);
  if (!loc) throw bad(ref, 'the location is empty', kind);
  if (/[\u0000-\u001f]/.test(loc)) throw bad(ref, 'it contains control characters', kind);
  const opt = <K extends string>(key: K) => (frag === undefined ? {} : ({ [key]: frag } as Record<K, string>));

  switch (kind as ProviderReference['kind']) {
    case 'aws-sm':
      return { kind: 'aws-sm', name: loc, ...opt('field') };
    case 'gcp-sm': {
      const [project, name] = splitFirst(loc, ref, kind, 'project', 'secret name');
      if (name.includes('/')) throw bad(ref, 'a GCP secret name has no "/"', kind);
      return { kind: 'gcp-sm', project, name, ...opt('version') };
    }
    case 'azure-kv': {
      const [vault, name] = splitFirst(loc, ref, kind, 'vault', 'secret name');
      if (name.includes('/')) throw bad(ref, 'an Azure secret name has no "/"', kind);
      return { kind: 'azure-kv', vault, name, ...opt('version') };
    }
    case 'vault': {
      const [mount, path] = splitFirst(loc, ref, kind, 'mount', 'path');
      return { kind: 'vault', mount, path, ...opt('key') };
    }
    case 'k8s': {
      const [namespace, name] = splitFirst(loc, ref, kind, 'namespace', 'name');
      if (name.includes('/')) throw bad(ref, 'a Kubernetes secret name has no "/"', kind);
      return { kind: 'k8s', namespace, name, ...opt('key') };
    }
    case 'dotenv':
      if (frag === undefined) throw bad(ref, 'a dotenv reference needs #KEY', kind);
      return { kind: 'dotenv', path: loc, key: frag };
    case 'env':
      if (frag !== undefined) throw bad(ref, 'an env reference has no "#" part', kind);
      return { kind: 'env', name: loc };
  }
  throw bad(ref, `unknown kind "${kind}"`);
};
