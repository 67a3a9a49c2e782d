// Public types of the scanner: rule definitions, findings, scan options and progress events.
// Everything here is plain data so it can cross worker_threads boundaries.

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type Confidence = 'low' | 'medium' | 'high';
export type FileContext = 'documentation' | 'test';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** Context handed to a rule's optional validator (the text window the match came from). */
export interface MatchContext {
  /** The full line(s) containing the match. */
  line: string;
  /** The scanned window around the keyword hit. */
  window: string;
  /** File path (repository-relative when known). */
  path: string;
}

/** One detection rule: a small, self-describing definition object. */
export interface Rule {
  id: string;
  description: string;
  /** Lowercase literals; a rule only runs near one of them (prefilter). */
  keywords: string[];
  /** Capture group `secretGroup` (default 1, or 0 when there is none) holds the secret. */
  pattern: RegExp;
  secretGroup?: number;
  /** Minimum Shannon entropy (bits per char) of the secret. */
  entropy?: number;
  severity: Severity;
  confidence: Confidence;
  /** Generic rules yield to specific rules that matched the same span. */
  generic?: boolean;
  /** Characters scanned after a keyword hit (default 512) and before it (default 256). */
  window?: { before?: number; after?: number };
  /** Only run on files whose path matches; such rules may have no keywords. */
  paths?: RegExp;
  /** Report the finding where the whole match starts (e.g. a PEM `BEGIN` line) instead of at the secret. */
  reportAt?: 'match';
  /** Extra check beyond the pattern (e.g. reject code expressions). */
  validate?: (secret: string, ctx: MatchContext) => boolean;
  /** Examples double as the rule's tests; `path` is the file name they are scanned under. */
  examples: { positive: string[]; negative: string[]; path?: string };
}

export interface Finding {
  ruleId: string;
  description: string;
  severity: Severity;
  confidence: Confidence;
  file: string;
  line: number;
  column: number;
  endColumn: number;
  entropy: number;
  /** e.g. `ghp_…(40)`; never the full value. */
  redacted: string;
  /** Hex sha256 of the secret value (to match against the vault without revealing it). */
  sha256: string;
  /** Stable id for baselines: hash of rule, file and secret (not line, so edits don't churn it). */
  fingerprint: string;
  /**
   * Where the file sits: `documentation` (README, docs/, *.md) or `test` (test/spec folders, fixtures,
   * *.test.*). Such findings are often samples: they are still reported, flagged, and generic rules
   * report them one confidence step lower. Absent for ordinary files.
   */
  context?: FileContext;
  /** Present only when the scan ran with `reveal: true`. */
  secret?: string;
  commit?: string;
  author?: string;
  email?: string;
  date?: string;
  /** Set by callers that matched the finding against a vault. */
  vault?: { tenant: string; secret: string; version: number; label?: string };
}

export interface SkippedFile {
  file: string;
  /** `error`: scanning this file threw or crashed its worker; the rest of the scan went on. */
  reason: 'binary' | 'too-large' | 'unreadable' | 'allowlisted' | 'error';
  detail?: string;
}

export interface ScanProgress {
  filesDone: number;
  /** Files found so far; final once `walkDone` is true (the walk streams files to the scanners). */
  filesTotal: number;
  bytesDone: number;
  /** 0 while unknown (sizes are read by the scanners); equals `bytesDone` in the last event. */
  bytesTotal: number;
  /** True once the directory walk has listed every file. */
  walkDone?: boolean;
  /** Milliseconds since the scan started. */
  elapsedMs?: number;
}

/**
 * Low-level events of a path scan, in the order they happen (for tools and tests): a file listed by
 * the walk, a file scanned, the walk finished, and the length of the bounded queue between the walk
 * and the scanners after every change (`length` never exceeds `bound`).
 */
export type ScanEvent =
  | { type: 'listed'; file: string; index: number }
  | { type: 'scanned'; file: string; index: number }
  | { type: 'walk-done'; files: number }
  | { type: 'queue'; length: number; bound: number }
  | { type: 'worker-restart'; reason: string };

export interface ScanResult {
  findings: Finding[];
  skipped: SkippedFile[];
  stats: { files: number; bytes: number; durationMs: number };
}
