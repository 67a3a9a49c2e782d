// Human-readable report: one block per finding, colored when the destination is a TTY.
import type { Finding, Severity } from '../types.js';

const C = { reset: '\x1b[0m', dim: '\x1b[2m', bold: '\x1b[1m', red: '\x1b[31m', yellow: '\x1b[33m', magenta: '\x1b[35m', cyan: '\x1b[36m' };
const SEV_COLOR: Record<Severity, string> = { critical: C.magenta, high: C.red, medium: C.yellow, low: C.cyan };

export const textReport = (findings: Finding[], opts: { color?: boolean; unscanned?: number } = {}): string => {
  const c = (code: string, s: string) => (opts.color ? code + s + C.reset : s);
  const missing = opts.unscanned ?? 0;
  const incomplete = `Scan incomplete: ${missing} file${missing === 1 ? '' : 's'} could not be scanned (see the errors above or on stderr).`;
  if (findings.length === 0)
    return missing
      ? c(C.bold, `No secrets found in the files that were scanned. ${incomplete}`) + '\n'
      : c(C.bold, 'No secrets found.') + '\n';
  const out: string[] = [];
  for (const f of findings) {
    out.push(`${c(C.bold, `${f.file}:${f.line}:${f.column}`)}  ${c(SEV_COLOR[f.severity], f.severity.toUpperCase())}  ${f.ruleId}`);
    out.push(`  ${f.description}`);
    out.push(
      `  ${c(C.dim, 'secret')} ${f.secret ?? f.redacted}  ${c(C.dim, `entropy ${f.entropy.toFixed(2)} · confidence ${f.confidence} · sha256 ${f.sha256.slice(0, 12)}…`)}`,
    );
    if (f.commit) out.push(`  ${c(C.dim, 'commit')} ${f.commit.slice(0, 12)} ${f.author ?? ''} <${f.email ?? ''}> ${f.date ?? ''}`);
    if (f.vault)
      out.push(
        `  ${c(C.red, 'matches vault secret')} ${f.vault.tenant}/${f.vault.secret} v${f.vault.version}${f.vault.label ? ` (${f.vault.label})` : ''}`,
      );
    out.push('');
  }
  const bySev = findings.reduce<Record<string, number>>((a, f) => ((a[f.severity] = (a[f.severity] ?? 0) + 1), a), {});
  out.push(
    c(C.bold, `${findings.length} finding${findings.length === 1 ? '' : 's'}`) +
      ` (${Object.entries(bySev)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')})`,
  );
  if (missing) out.push(c(C.bold, incomplete));
  return out.join('\n') + '\n';
};
