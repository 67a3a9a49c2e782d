// Findings in documentation and test folders carry `context`, and generic rules report them one
// confidence step lower there (specific rules keep theirs); whole-file rules (PKCS#12, Java keystore,
// Kerberos keytab) report the file itself, at line 1, by path, and leave look-alikes alone.
import { describe, expect, it } from 'vitest';
import { fileRules, scanPaths } from '../src/index.js';
import { ghToken, tmpDir, write } from './helpers.js';

const bytesOf = (id: string, kind: 'positive' | 'negative' = 'positive') => fileRules.find((r) => r.id === id)!.examples[kind][0].bytes;

describe('context flag', () => {
  const assignment = 'db_password = "Vq8#rT2m!Lz6pWx"\n';
  const tree = () => {
    const root = tmpDir();
    for (const rel of [
      'src/settings.py',
      'docs/settings.py',
      'tests/settings.py',
      'README.md',
      'pkg/settings.test.ts',
      'test_settings.py',
    ]) {
      write(root, rel, `${assignment}token = "${ghToken(rel)}"\n`);
    }
    return root;
  };

  it('flags documentation and test files and lowers the confidence of generic findings there', async () => {
    const r = await scanPaths([tree()], { threads: 1 });
    const by = (file: string, generic: boolean) => r.findings.find((f) => f.file === file && f.ruleId.startsWith('generic-') === generic);
    const code = by('src/settings.py', true);
    expect(code, 'generic finding in code').toBeDefined();
    expect(code!.context).toBeUndefined();
    const steps = ['low', 'medium', 'high'];
    for (const [file, context] of [
      ['docs/settings.py', 'documentation'],
      ['README.md', 'documentation'],
      ['tests/settings.py', 'test'],
      ['pkg/settings.test.ts', 'test'],
      ['test_settings.py', 'test'],
    ] as const) {
      const g = by(file, true);
      expect(g, file).toBeDefined();
      expect(g!.context, file).toBe(context);
      expect(g!.ruleId).toBe(code!.ruleId);
      expect(steps.indexOf(g!.confidence), `${file}: ${g!.confidence} vs ${code!.confidence}`).toBe(
        Math.max(0, steps.indexOf(code!.confidence) - 1),
      );
      // A specific rule keeps its confidence, but is flagged too.
      const specific = by(file, false);
      expect(specific!.ruleId).toBe('github-pat');
      expect(specific!.context).toBe(context);
      expect(specific!.confidence).toBe(by('src/settings.py', false)!.confidence);
    }
    expect(by('src/settings.py', false)!.context).toBeUndefined();
  });
});

describe('whole-file rules', () => {
  it('report PKCS#12, Java keystore and Kerberos keytab files by path at line 1, and not their look-alikes', async () => {
    const root = tmpDir();
    write(root, 'certs/client.p12', bytesOf('pkcs12-file'));
    write(root, 'conf/keystore.jks', bytesOf('java-keystore-file'));
    write(root, 'etc/http.keytab', bytesOf('kerberos-keytab-file'));
    write(root, 'fixtures/ci.p12', bytesOf('pkcs12-file'));
    write(root, 'certs/ca.der', bytesOf('pkcs12-file', 'negative'));
    write(root, 'data/a.bin', bytesOf('java-keystore-file', 'negative'));
    write(root, 'data/img.bin', bytesOf('kerberos-keytab-file', 'negative'));
    for (const threads of [1, 2]) {
      const r = await scanPaths([root], { threads });
      expect(r.findings.map((f) => [f.file, f.ruleId, f.line])).toEqual([
        ['certs/client.p12', 'pkcs12-file', 1],
        ['conf/keystore.jks', 'java-keystore-file', 1],
        ['etc/http.keytab', 'kerberos-keytab-file', 1],
        ['fixtures/ci.p12', 'pkcs12-file', 1],
      ]);
      expect(r.findings.find((f) => f.file === 'fixtures/ci.p12')!.context).toBe('test');
      expect(r.findings.find((f) => f.file === 'certs/client.p12')!.context).toBeUndefined();
      // a.bin (0xfe bytes, no NUL) is scanned as text and yields nothing; the others are binary non-matches.
      expect(r.skipped.map((s) => [s.file, s.reason])).toEqual([
        ['certs/ca.der', 'binary'],
        ['data/img.bin', 'binary'],
      ]);
    }
  });
});
