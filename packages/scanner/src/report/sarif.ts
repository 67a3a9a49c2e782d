// SARIF 2.1.0 report: one run, the rules that produced results in tool.driver.rules, and results
// with physical locations and partial fingerprints (for GitHub code scanning deduplication).
import type { Finding, Rule, Severity } from '../types.js';

const LEVEL: Record<Severity, 'note' | 'warning' | 'error'> = { low: 'note', medium: 'warning', high: 'error', critical: 'error' };
const SCORE: Record<Severity, string> = { low: '3.0', medium: '5.0', high: '8.0', critical: '9.5' };

/** SARIF 2.1.0; files that could not be scanned make the invocation unsuccessful, one notification each. */
export const sarifReport = (
  findings: Finding[],
  rules: readonly Rule[],
  unscanned: ReadonlyArray<{ file: string; detail?: string }> = [],
  version = '0.1.0',
): string => {
  const used = [...new Set(findings.map((f) => f.ruleId))];
  const byId = new Map(rules.map((r) => [r.id, r]));
  const driverRules = used.map((id) => {
    const r = byId.get(id);
    const f = findings.find((x) => x.ruleId === id)!;
    return {
      id,
      name: id.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase()),
      shortDescription: { text: r?.description ?? f.description },
      fullDescription: { text: `${r?.description ?? f.description}. Remove the secret from the file and its history, then rotate it.` },
      defaultConfiguration: { level: LEVEL[r?.severity ?? f.severity] },
      properties: {
        tags: ['security', 'secret'],
        'security-severity': SCORE[r?.severity ?? f.severity],
        confidence: r?.confidence ?? f.confidence,
      },
    };
  });
  const index = new Map(used.map((id, i) => [id, i]));
  const results = findings.map((f) => ({
    ruleId: f.ruleId,
    ruleIndex: index.get(f.ruleId),
    level: LEVEL[f.severity],
    message: {
      text: `${f.description} (${f.redacted})${f.commit ? ` introduced in ${f.commit.slice(0, 12)} by ${f.author ?? 'unknown'}` : ''}`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(f.file.replace(/\\/g, '/')) },
          region: { startLine: f.line, startColumn: f.column, endColumn: f.endColumn },
        },
      },
    ],
    partialFingerprints: { 'keyhavenFingerprint/v1': f.fingerprint },
    properties: {
      sha256: f.sha256,
      entropy: f.entropy,
      ...(f.commit ? { commit: f.commit, author: f.author, date: f.date } : {}),
      ...(f.secret !== undefined ? { secret: f.secret } : {}),
    },
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'keyhaven-scan',
            informationUri: 'https://github.com/keyhaven/keyhaven',
            semanticVersion: version,
            rules: driverRules,
          },
        },
        results,
        invocations: [
          {
            executionSuccessful: unscanned.length === 0,
            toolExecutionNotifications: unscanned.map((u) => ({
              level: 'error',
              message: { text: `could not be scanned: ${u.detail ?? 'scanner error'}` },
              locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(u.file) } } }],
            })),
          },
        ],
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
};
