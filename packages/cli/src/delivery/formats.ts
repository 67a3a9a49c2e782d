// Export renderings of fetched secrets: dotenv, json, yaml, a Kubernetes Secret manifest, and the
// key→content map used by the directory formats (dir, docker-secrets). Keys follow the env-name rule.
import YAML from 'yaml';
import { expandValue, envVarName } from '@keyhaven/sdk';
import { toDotenv } from '../output.js';
import { UsageError } from '../errors.js';

export const EXPORT_FORMATS = ['dotenv', 'json', 'yaml', 'k8s-secret', 'docker-secrets', 'dir'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Variable-style pairs (NAME or NAME_FIELD) with the collision rule of `run`. */
export const flatPairs = (secrets: Array<{ name: string; value: unknown }>, prefix?: string): Array<[string, string]> => {
  const seen = new Map<string, string>();
  const out: Array<[string, string]> = [];
  for (const s of secrets) {
    for (const [k, v] of expandValue(envVarName(s.name, prefix), s.value)) {
      if (seen.has(k)) throw new UsageError(`Both ${seen.get(k)} and ${s.name} export as ${k}; narrow the selection or use --prefix.`);
      seen.set(k, s.name);
      out.push([k, v]);
    }
  }
  return out;
};

const k8sName = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253) || 'keyhaven-secrets';

export const renderExport = (
  format: Exclude<ExportFormat, 'docker-secrets' | 'dir'>,
  secrets: Array<{ name: string; value: unknown }>,
  o: { prefix?: string; name?: string; namespace?: string },
): string => {
  switch (format) {
    case 'dotenv':
      return toDotenv(flatPairs(secrets, o.prefix));
    case 'json':
      return JSON.stringify(Object.fromEntries(secrets.map((s) => [s.name, s.value])), null, 2) + '\n';
    case 'yaml':
      return YAML.stringify(Object.fromEntries(secrets.map((s) => [s.name, s.value])));
    case 'k8s-secret': {
      const data = Object.fromEntries(flatPairs(secrets, o.prefix).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
      const metadata: Record<string, unknown> = {
        name: k8sName(o.name ?? o.prefix ?? 'keyhaven-secrets'),
        labels: { 'app.kubernetes.io/managed-by': 'keyhaven' },
      };
      if (o.namespace) metadata.namespace = o.namespace;
      return YAML.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata, data });
    }
  }
};

/** One file per key: `dir` keeps the variable names; `docker-secrets` lower-cases them like /run/secrets/<name>. */
export const fileMap = (
  format: 'dir' | 'docker-secrets',
  secrets: Array<{ name: string; value: unknown }>,
  prefix?: string,
): Record<string, string> =>
  Object.fromEntries(flatPairs(secrets, prefix).map(([k, v]) => [format === 'docker-secrets' ? k.toLowerCase() : k, v]));
