// Public API of @keyhaven/scanner: scan targets (paths, git history, staged changes, text), config,
// baselines, reporters and the built-in rule registry.
import type { Finding, ScanResult, Severity } from './types.js';
import { SEVERITIES } from './types.js';
import { createScanner, type ScanSettings } from './engine/scanner.js';
import { runFileStream } from './targets/pool.js';

export type {
  Finding,
  FileContext,
  Rule,
  Severity,
  Confidence,
  ScanProgress,
  ScanEvent,
  ScanResult,
  SkippedFile,
  MatchContext,
} from './types.js';
export { SEVERITIES } from './types.js';
export { builtinRules as rules } from './rules/index.js';
export { fileRules, type FileRule } from './rules/files.js';
export {
  createScanner,
  resolveRules,
  DEFAULT_MAX_FILE_SIZE,
  type ScanSettings,
  type CustomRuleSpec,
  type Scanner,
} from './engine/scanner.js';
export { shannonEntropy } from './engine/entropy.js';
export { redact } from './engine/redact.js';
export { isPlaceholder, hasInlineAllow } from './engine/allowlist.js';
export { scanPaths, type ScanPathsOptions } from './targets/scan-paths.js';
export { scanGitHistory, scanStaged, GitError, type GitHistoryOptions, type GitScanOptions } from './targets/git.js';
export { loadScanConfig, parseScanConfig, ScanConfigError, parseSize } from './config.js';
export { createBaseline, filterByBaseline, readBaseline, writeBaseline, parseBaseline, type Baseline } from './baseline.js';
export { report, REPORT_FORMATS, type ReportFormat, type ReportOptions, type UnscannedFile } from './report/index.js';

// Compiling ~400 rules takes a moment: reuse the last scanner when settings are unchanged.
let cache: { key: string; scanner: ReturnType<typeof createScanner> } | undefined;
const cachedScanner = (settings: ScanSettings) => {
  const key = JSON.stringify(settings);
  if (cache?.key !== key) cache = { key, scanner: createScanner(settings) };
  return cache.scanner;
};

/** Scan a string (e.g. standard input) as if it were the file at `path`. */
export const scanText = (text: string, options: ScanSettings & { path?: string } = {}): Finding[] => {
  const { path = '<stdin>', ...settings } = options;
  return cachedScanner(settings).scanText(text, path);
};

/** Read a stream (e.g. process.stdin) to the end and scan it. With `fileTimeoutMs` the scan runs on a
 *  worker thread that is stopped past the limit (the input is then an `error` skip, detail `timeout`). */
export const scanStream = async (
  stream: AsyncIterable<Buffer | string>,
  options: ScanSettings & { path?: string; fileTimeoutMs?: number } = {},
): Promise<ScanResult> => {
  const t0 = Date.now();
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(typeof c === 'string' ? Buffer.from(c) : c);
  const buf = Buffer.concat(parts);
  const { path = '<stdin>', fileTimeoutMs, ...settings } = options;
  if (fileTimeoutMs !== undefined && fileTimeoutMs > 0) {
    async function* one() {
      yield { abs: '', rel: path, bytes: buf };
    }
    const r = await runFileStream(one(), settings, { threads: 1, fileTimeoutMs });
    return { findings: r.findings, skipped: r.skipped, stats: { files: 1, bytes: buf.length, durationMs: Date.now() - t0 } };
  }
  const r = cachedScanner(settings).scanBuffer(buf, path);
  return {
    findings: r.findings,
    skipped: r.skipped ? [r.skipped] : [],
    stats: { files: 1, bytes: buf.length, durationMs: Date.now() - t0 },
  };
};

export const atLeast = (findings: Finding[], min: Severity): Finding[] =>
  findings.filter((f) => SEVERITIES.indexOf(f.severity) >= SEVERITIES.indexOf(min));
