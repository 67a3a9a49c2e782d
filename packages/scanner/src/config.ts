// The scan config file (.keyhaven-scan.yaml / .json): schema, loading and validation with every
// problem listed by path. Produces plain ScanSettings.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import type { ScanSettings } from './engine/scanner.js';
import { builtinRules } from './rules/index.js';
import { fileRules } from './rules/files.js';

export class ScanConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid scan config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ScanConfigError';
  }
}

const regexString = z.string().superRefine((s, ctx) => {
  try {
    new RegExp(s);
  } catch (e) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid regular expression: ${(e as Error).message}` });
  }
});
const severity = z.enum(['low', 'medium', 'high', 'critical']);
const size = z.union([z.number().int().positive(), z.string().regex(/^\d+(?:\.\d+)?\s*(?:[KMG]i?B?|B)?$/i, 'expected a size like 10MiB')]);

const customRule = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'rule id must be kebab-case'),
    description: z.string().min(1),
    keywords: z
      .array(
        z
          .string()
          .min(2)
          .regex(/^[\x00-\x7f]+$/, 'keywords must be ASCII'),
      )
      .min(1, 'at least one keyword is required (prefilter)'),
    pattern: regexString,
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'flags may only contain i, m, s, u')
      .optional(),
    secretGroup: z.number().int().min(0).optional(),
    entropy: z.number().min(0).max(8).optional(),
    severity: severity.default('high'),
    confidence: z.enum(['low', 'medium', 'high']).default('medium'),
    paths: regexString.optional(),
    examples: z.object({ positive: z.array(z.string()), negative: z.array(z.string()) }).optional(),
  })
  .strict();

const schema = z
  .object({
    disabledRules: z.array(z.string()).default([]),
    enabledRules: z.array(z.string()).optional(),
    rules: z.array(customRule).default([]),
    allowlist: z
      .object({
        paths: z.array(z.string()).default([]),
        regexes: z.array(regexString).default([]),
        stopwords: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({}),
    maxFileSize: size.optional(),
    minSeverity: severity.optional(),
  })
  .strict();

export type ScanConfigFile = z.input<typeof schema>;

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  KB: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
};
export const parseSize = (v: number | string): number => {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(v.trim());
  if (!m) throw new Error(`invalid size: ${v}`);
  return Math.round(Number(m[1]) * (UNITS[m[2].toUpperCase()] ?? NaN));
};

/** Validate already-parsed config data (from YAML/JSON). */
export const parseScanConfig = (data: unknown, file = '<config>'): ScanSettings => {
  const r = schema.safeParse(data ?? {});
  if (!r.success) {
    throw new ScanConfigError(
      file,
      r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  const c = r.data;
  const known = new Set([...builtinRules.map((x) => x.id), ...fileRules.map((x) => x.id), ...c.rules.map((x) => x.id)]);
  const problems = [
    ...c.disabledRules.filter((id) => !known.has(id)).map((id) => `disabledRules: unknown rule id "${id}"`),
    ...(c.enabledRules ?? []).filter((id) => !known.has(id)).map((id) => `enabledRules: unknown rule id "${id}"`),
  ];
  if (problems.length) throw new ScanConfigError(file, problems);
  return {
    disabledRules: c.disabledRules,
    enabledRules: c.enabledRules,
    rules: c.rules.map((x) => ({ ...x, keywords: x.keywords.map((k) => k.toLowerCase()) })),
    allowlist: c.allowlist,
    maxFileSize: c.maxFileSize === undefined ? undefined : parseSize(c.maxFileSize),
    minSeverity: c.minSeverity,
  };
};

export const loadScanConfig = async (file: string): Promise<ScanSettings> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ScanConfigError(file, [`cannot read file (${(e as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let data: unknown;
  try {
    data = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ScanConfigError(file, [`not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`]);
  }
  return parseScanConfig(data, file);
};
