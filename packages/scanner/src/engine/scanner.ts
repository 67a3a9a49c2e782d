// A ready-to-use scanner built from plain-data settings (built-in rules minus disabled ones, plus
// custom rules, plus allowlists). Settings are plain data so worker threads can rebuild the same
// scanner from workerData.
import type { Finding, Rule, Severity, SkippedFile } from '../types.js';
import { SEVERITIES } from '../types.js';
import { builtinRules } from '../rules/index.js';
import { fileRules, type FileRule } from '../rules/files.js';
import { fileFinding } from './file-finding.js';
import { compileRules, scanText, type CompiledRules } from './engine.js';
import { createAllowlist, type Allowlist, type AllowlistConfig } from './allowlist.js';

export interface CustomRuleSpec {
  id: string;
  description: string;
  keywords: string[];
  pattern: string;
  flags?: string;
  secretGroup?: number;
  entropy?: number;
  severity: Severity;
  confidence: 'low' | 'medium' | 'high';
  paths?: string;
  examples?: { positive: string[]; negative: string[] };
}

/** Serializable scan settings (the validated config file plus CLI overrides). */
export interface ScanSettings {
  disabledRules?: string[];
  /** When set, only these rule ids run. */
  enabledRules?: string[];
  rules?: CustomRuleSpec[];
  allowlist?: AllowlistConfig;
  maxFileSize?: number;
  minSeverity?: Severity;
  reveal?: boolean;
}

export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;
const BINARY_PROBE = 8 * 1024;

export const customRule = (s: CustomRuleSpec): Rule => ({
  id: s.id,
  description: s.description,
  keywords: s.keywords.map((k) => k.toLowerCase()),
  pattern: new RegExp(s.pattern, (s.flags ?? '').replace('g', '') + 'g'),
  secretGroup: s.secretGroup,
  entropy: s.entropy,
  severity: s.severity,
  confidence: s.confidence,
  paths: s.paths ? new RegExp(s.paths) : undefined,
  examples: s.examples ?? { positive: [], negative: [] },
});

export const resolveRules = (settings: ScanSettings = {}): Rule[] => {
  const disabled = new Set(settings.disabledRules ?? []);
  const enabled = settings.enabledRules ? new Set(settings.enabledRules) : undefined;
  const custom = (settings.rules ?? []).map(customRule);
  const customIds = new Set(custom.map((r) => r.id));
  return [...builtinRules.filter((r) => !customIds.has(r.id)), ...custom].filter(
    (r) => !disabled.has(r.id) && (!enabled || enabled.has(r.id)),
  );
};

export const resolveFileRules = (settings: ScanSettings = {}): FileRule[] => {
  const disabled = new Set(settings.disabledRules ?? []);
  const enabled = settings.enabledRules ? new Set(settings.enabledRules) : undefined;
  return fileRules.filter((r) => !disabled.has(r.id) && (!enabled || enabled.has(r.id)));
};

export interface Scanner {
  rules: Rule[];
  allowlist: Allowlist;
  scanText(text: string, path: string): Finding[];
  /** Decide whether raw file bytes are scannable; returns the text or a skip reason. */
  scanBuffer(buf: Buffer, path: string): { findings: Finding[]; skipped?: SkippedFile };
}

export const isBinary = (buf: Buffer): boolean => buf.subarray(0, BINARY_PROBE).includes(0);

export const createScanner = (settings: ScanSettings = {}): Scanner => {
  const rules = resolveRules(settings);
  const compiled: CompiledRules = compileRules(rules);
  const allowlist = createAllowlist(settings.allowlist);
  const files = resolveFileRules(settings);
  const minRank = SEVERITIES.indexOf(settings.minSeverity ?? 'low');
  const maxSize = settings.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const scan = (text: string, path: string) =>
    scanText(text, compiled, { path, allowlist, reveal: settings.reveal }).filter((f) => SEVERITIES.indexOf(f.severity) >= minRank);
  return {
    rules,
    allowlist,
    scanText: (text, path) => (allowlist.pathAllowed(path) ? [] : scan(text, path)),
    scanBuffer(buf, path) {
      if (allowlist.pathAllowed(path)) return { findings: [], skipped: { file: path, reason: 'allowlisted' } };
      if (buf.length > maxSize)
        return { findings: [], skipped: { file: path, reason: 'too-large', detail: `${buf.length} bytes > ${maxSize}` } };
      const whole = files
        .filter((r) => r.match(buf, path))
        .map((r) => fileFinding(r, buf, path, settings.reveal))
        .filter((f) => SEVERITIES.indexOf(f.severity) >= minRank);
      if (isBinary(buf)) return whole.length ? { findings: whole } : { findings: [], skipped: { file: path, reason: 'binary' } };
      if (whole.length) return { findings: [...whole, ...scan(buf.toString('utf8'), path)] };
      return { findings: scan(buf.toString('utf8'), path) };
    },
  };
};
