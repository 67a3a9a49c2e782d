// CSV report (RFC 4180 quoting: fields with comma, quote or newline are quoted, quotes doubled).
// Cells that a spreadsheet would treat as formulas are prefixed with a quote to defuse them.
import type { Finding } from '../types.js';

const COLUMNS = [
  'file',
  'line',
  'column',
  'ruleId',
  'description',
  'severity',
  'confidence',
  'entropy',
  'redacted',
  'sha256',
  'fingerprint',
  'commit',
  'author',
  'email',
  'date',
  'secret',
] as const;

export const csvCell = (v: unknown): string => {
  let s = v === undefined || v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const csvReport = (findings: Finding[]): string => {
  const reveal = findings.some((f) => f.secret !== undefined);
  const cols = COLUMNS.filter((c) => c !== 'secret' || reveal);
  const rows = [cols.join(','), ...findings.map((f) => cols.map((c) => csvCell(f[c])).join(','))];
  return rows.join('\r\n') + '\r\n';
};
