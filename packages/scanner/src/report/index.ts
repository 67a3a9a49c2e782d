// Report dispatch by format name (a registry lookup, not a switch in every caller).
import type { Finding, Rule } from '../types.js';
import { builtinRules } from '../rules/index.js';
import { textReport } from './text.js';
import { csvReport } from './csv.js';
import { sarifReport } from './sarif.js';

export type ReportFormat = 'text' | 'json' | 'sarif' | 'csv';
/** A file the scanner failed on or gave up on (error, crash, timeout): the scan did not cover it. */
export interface UnscannedFile {
  file: string;
  detail?: string;
}
export interface ReportOptions {
  color?: boolean;
  rules?: readonly Rule[];
  /** Files that could not be scanned: every format says the scan is incomplete. */
  unscanned?: readonly UnscannedFile[];
}

const reporters: Record<ReportFormat, (f: Finding[], o: ReportOptions) => string> = {
  text: (f, o) => textReport(f, { color: o.color, unscanned: o.unscanned?.length }),
  json: (f, o) =>
    JSON.stringify({ findings: f, ...(o.unscanned?.length ? { complete: false, unscanned: o.unscanned } : { complete: true }) }, null, 2) +
    '\n',
  sarif: (f, o) => sarifReport(f, o.rules ?? builtinRules, o.unscanned),
  csv: (f) => csvReport(f),
};

export const REPORT_FORMATS = Object.keys(reporters) as ReportFormat[];

export const report = (findings: Finding[], format: ReportFormat, opts: ReportOptions = {}): string => {
  const r = reporters[format];
  if (!r) throw new Error(`unknown report format: ${String(format)} (expected ${REPORT_FORMATS.join(', ')})`);
  return r(findings, opts);
};
