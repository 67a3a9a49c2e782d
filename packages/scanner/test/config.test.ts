// Config file loading: YAML and JSON, custom rules that run, and validation errors that name the
// offending path.
import { describe, expect, it } from 'vitest';
import { loadScanConfig, scanText, ScanConfigError } from '../src/index.js';
import { tmpDir, write } from './helpers.js';

describe('loadScanConfig', () => {
  it('loads YAML with custom rules, disabled rules and allowlists', async () => {
    const dir = tmpDir();
    const file = write(
      dir,
      '.keyhaven-scan.yaml',
      [
        'disabledRules: [jwt]',
        'maxFileSize: 2MiB',
        'rules:',
        '  - id: acme-internal-token',
        '    description: ACME internal token',
        '    keywords: [acme_]',
        "    pattern: '(acme_[a-z0-9]{24})'",
        '    severity: critical',
        'allowlist:',
        '  paths: ["test/fixtures/"]',
        '  stopwords: [sample]',
      ].join('\n'),
    );
    const cfg = await loadScanConfig(file);
    expect(cfg.maxFileSize).toBe(2 * 1024 * 1024);
    const found = scanText('x = acme_k3j4h5g6f7d8s9a0q1w2e3r4', { ...cfg, path: 'src/x.ts' });
    expect(found.map((f) => [f.ruleId, f.severity])).toEqual([['acme-internal-token', 'critical']]);
    expect(scanText('x = acme_k3j4h5g6f7d8s9a0q1w2e3r4', { ...cfg, path: 'test/fixtures/x.ts' })).toEqual([]);
  });
  it('loads JSON', async () => {
    const file = write(tmpDir(), 'scan.json', JSON.stringify({ disabledRules: ['github-pat'] }));
    expect((await loadScanConfig(file)).disabledRules).toEqual(['github-pat']);
  });
  it('lists every problem with its path', async () => {
    const file = write(
      tmpDir(),
      'bad.yaml',
      [
        'disabledRules: [no-such-rule]',
        'unknownKey: 1',
        'rules:',
        '  - id: Bad_Id',
        '    description: x',
        '    keywords: []',
        "    pattern: '(unclosed'",
      ].join('\n'),
    );
    const err = await loadScanConfig(file).catch((e) => e);
    expect(err).toBeInstanceOf(ScanConfigError);
    const msg = (err as ScanConfigError).problems.join('\n');
    expect(msg).toMatch(/rules\.0\.id: rule id must be kebab-case/);
    expect(msg).toMatch(/rules\.0\.keywords: at least one keyword/);
    expect(msg).toMatch(/rules\.0\.pattern: invalid regular expression/);
    expect(msg).toMatch(/unknownKey|Unrecognized key/);
  });
  it('reports unknown rule ids, unreadable files and syntax errors', async () => {
    const dir = tmpDir();
    await expect(loadScanConfig(write(dir, 'a.yaml', 'disabledRules: [nope]'))).rejects.toThrow(/unknown rule id "nope"/);
    await expect(loadScanConfig(`${dir}/missing.yaml`)).rejects.toThrow(/cannot read file \(ENOENT\)/);
    await expect(loadScanConfig(write(dir, 'b.yaml', 'rules: [\n'))).rejects.toThrow(/not valid YAML/);
  });
});
