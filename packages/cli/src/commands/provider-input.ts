// Input helpers shared by `keyhaven providers|sync|operator`: --config key=value pairs (numbers and
// booleans typed), JSON/YAML files, and credentials from a file or stdin (never from argv).
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { CliIo } from '../io.js';
import { UsageError } from '../errors.js';
import { parsePair } from '../parse.js';

const typed = (v: string): unknown => (v === 'true' ? true : v === 'false' ? false : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);

export const pairsToObject = (flag: string, pairs: string[] = []): Record<string, unknown> =>
  Object.fromEntries(
    pairs.map((p) => {
      const [k, v] = parsePair(flag, p);
      return [k, typed(v)];
    }),
  );

/** Reads a JSON or YAML mapping from a file ("-" reads stdin). */
export const readMapping = async (what: string, file: string, io: CliIo): Promise<Record<string, unknown>> => {
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read ${what} from ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`The ${what} in ${file} must be a JSON or YAML mapping.`);
  return parsed as Record<string, unknown>;
};
