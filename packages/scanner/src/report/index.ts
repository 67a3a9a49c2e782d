// Report dispatch by format name (a registry lookup, not a switch in every caller).
import type { Finding, Rule } from '../types.js';
import { builtinRules } from '../rules/index.js';
import { textReport } from './text.js';
import { csvReport } from './csv.js';
import { sarifReport } from './sarif.js';

export type ReportFormat = 'text' | 'json' | 'sarif' | 'csv';
export interface ReportOptions {
  color?: boolean;
  rules?: readonly Rule[];
}

const reporters: Record<ReportFormat, (f: Finding[], o: ReportOptions) => string> = {
  text: (f, o) => textReport(f, { color: o.color }),
  json: (f) => JSON.stringify({ findings: f }, null, 2) + '\n',
  sarif: (f, o) => sarifReport(f, o.rules ?? builtinRules),
  csv: (f) => csvReport(f),
};

export const REPORT_FORMATS = Object.keys(reporters) as ReportFormat[];

export const report = (findings: Finding[], format: ReportFormat, opts: ReportOptions = {}): string => {
  const r = reporters[format];
  if (!r) throw new Error(`unknown report format: ${String(format)} (expected ${REPORT_FORMATS.join(', ')})`);
  return r(findings, opts);
};
