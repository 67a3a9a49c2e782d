// Resolves a selection (--prefix, --select names or globs, names named by --map) to secret names and
// fetches their current values through the SDK, a few at a time.
import type { KeyhavenClient } from '@keyhaven/sdk';
import { UsageError } from '../errors.js';
import { globPrefix, globToRegExp, isGlob } from './glob.js';

export interface Selection {
  prefix?: string;
  select?: string[];
  extra?: string[];
}
export interface FetchedSecret {
  name: string;
  value: unknown;
  version: number;
}

export const resolveNames = async (client: KeyhavenClient, sel: Selection): Promise<string[]> => {
  const names = new Set<string>();
  if (!sel.prefix && !sel.select?.length && !sel.extra?.length) throw new UsageError('Choose secrets with --prefix, --select or --map.');
  if (sel.prefix) for (const s of await client.secrets.listAll({ prefix: sel.prefix })) names.add(s.name);
  for (const pattern of sel.select ?? []) {
    if (!isGlob(pattern)) {
      names.add(pattern);
      continue;
    }
    const re = globToRegExp(pattern);
    const matched = (await client.secrets.listAll({ prefix: globPrefix(pattern) || undefined })).filter((s) => re.test(s.name));
    if (matched.length === 0) throw new UsageError(`--select ${pattern} matches no secret.`);
    for (const s of matched) names.add(s.name);
  }
  for (const n of sel.extra ?? []) names.add(n);
  return [...names].sort();
};

export const fetchValues = async (client: KeyhavenClient, names: string[], concurrency = 8): Promise<FetchedSecret[]> => {
  const out: FetchedSecret[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const r = await client.secrets.get(names[i]!);
      out[i] = { name: names[i]!, value: r.value, version: r.version };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  return out;
};
