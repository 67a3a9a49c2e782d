// Reporters and baselines: SARIF 2.1.0 structure, CSV quoting, JSON, text (no secret unless
// revealed), and baseline files that contain hashes only and filter out accepted findings.
import { describe, expect, it } from 'vitest';
import { report, scanText, createBaseline, filterByBaseline, parseBaseline, type Finding } from '../src/index.js';
import { csvCell } from '../src/report/csv.js';
import { ghToken } from './helpers.js';

const tok = ghToken('report');
const findings = (): Finding[] => scanText(`a\nconst t = "${tok}";\nDB_PASSWORD=Hq7,"quoted"x9Zk\n`, { path: 'src/my file.ts' });

describe('reporters', () => {
  it('SARIF has the 2.1.0 structure code scanning expects', () => {
    const fs = findings();
    const s = JSON.parse(report(fs, 'sarif'));
    expect(s.version).toBe('2.1.0');
    const run = s.runs[0];
    expect(run.tool.driver.name).toBe('keyhaven-scan');
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id).sort()).toEqual([...new Set(fs.map((f) => f.ruleId))].sort());
    const res = run.results[0];
    expect(res).toMatchObject({ ruleId: 'github-pat', level: 'error' });
    expect(run.tool.driver.rules[res.ruleIndex].id).toBe(res.ruleId);
    expect(res.locations[0].physicalLocation.artifactLocation.uri).toBe('src/my%20file.ts');
    expect(res.locations[0].physicalLocation.region).toMatchObject({ startLine: 2, startColumn: 12 });
    expect(res.partialFingerprints['keyhavenFingerprint/v1']).toBe(fs[0].fingerprint);
  });
  it('CSV quotes commas, quotes and newlines and defuses formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('l1\nl2')).toBe('"l1\nl2"');
    expect(csvCell('=cmd()')).toBe("'=cmd()");
    const csv = report(findings(), 'csv');
    const [header, first] = csv.split('\r\n');
    expect(header.split(',')).toContain('sha256');
    expect(first.startsWith('src/my file.ts,2,12,github-pat,')).toBe(true);
  });
  it.each(['text', 'json', 'sarif', 'csv'] as const)('%s never contains the secret unless revealed', (fmt) => {
    expect(report(findings(), fmt)).not.toContain(tok);
    expect(report(scanText(tok, { reveal: true }), fmt)).toContain(tok);
  });
  it('text output is colored only on request', () => {
    expect(report(findings(), 'text')).not.toContain('\x1b[');
    expect(report(findings(), 'text', { color: true })).toContain('\x1b[');
    expect(() => report([], 'xml' as never)).toThrow(/unknown report format/);
  });
  it('an incomplete scan is never reported as clean', () => {
    const unscanned = [{ file: 'big.min.js', detail: 'timeout (scan took longer than 500 ms)' }];
    expect(report([], 'text')).toBe('No secrets found.\n');
    const text = report([], 'text', { unscanned });
    expect(text).not.toMatch(/^No secrets found\.$/m);
    expect(text).toContain('Scan incomplete: 1 file could not be scanned');
    expect(report(findings(), 'text', { unscanned })).toContain('Scan incomplete: 1 file could not be scanned');
    expect(JSON.parse(report([], 'json', { unscanned }))).toEqual({ findings: [], complete: false, unscanned });
    expect(JSON.parse(report([], 'json')).complete).toBe(true);
    const inv = JSON.parse(report([], 'sarif', { unscanned })).runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation.uri).toBe('big.min.js');
    expect(JSON.parse(report([], 'sarif')).runs[0].invocations[0].executionSuccessful).toBe(true);
  });
});

describe('baseline', () => {
  it('stores hashes only and filters accepted findings, letting new ones through', () => {
    const old = findings();
    const b = createBaseline(old);
    const text = JSON.stringify(b);
    expect(text).not.toContain(tok);
    expect(text).not.toContain(old[0].sha256);
    const round = parseBaseline(text);
    const fresh = ghToken('new');
    const now = scanText(`\n\nconst t = "${tok}";\nconst u = "${fresh}";\n`, { path: 'src/my file.ts' });
    expect(filterByBaseline(now, round).map((f) => f.redacted)).toEqual([`${fresh.slice(0, 4)}…(40)`]);
  });
  it('rejects files that are not baselines', () => {
    expect(() => parseBaseline('{"version":1,"entries":[{"fingerprint":"plaintext!"}]}')).toThrow(/not a keyhaven-scan baseline/);
    expect(() => parseBaseline('nope')).toThrow(/not valid JSON/);
  });
});
