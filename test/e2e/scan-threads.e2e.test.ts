// `keyhaven scan --threads 2` against `--threads 1` through the built binary, on the labelled scanner
// corpus plus a few hundred generated files in nested directories (docs, tests, a PKCS#12 file):
// byte-identical json, sarif and csv reports (same findings, same order) and the same exit code.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileRules } from '../../packages/scanner/src/rules/files.js';
import { assertBuiltCli, keyhaven, scratchDir } from './support/surface.js';

const LEAK = (i: number) => 'gh' + 'p_' + `R8xk2Lq9Vb3Nw7Tz5Yc1Hd4Jf6Gm0Sp${String(i).padStart(4, '0')}`;
let dir: string;

beforeAll(() => {
  assertBuiltCli();
  dir = scratchDir('keyhaven-scan-threads-');
  cpSync(new URL('../../packages/scanner/test/corpus', import.meta.url), path.join(dir, 'corpus'), { recursive: true });
  for (let i = 0; i < 300; i++) {
    const sub = path.join(dir, 'gen', `m${i % 13}`, `n${i % 5}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(
      path.join(sub, `f${i}.env`),
      i % 4 === 0 ? `A=1\nGITHUB_TOKEN=${LEAK(i)}\npassword = "Vq8#rT2m!Lz6pW"\n` : 'A=1\nB=two\n',
    );
  }
  mkdirSync(path.join(dir, 'docs'), { recursive: true });
  writeFileSync(path.join(dir, 'docs', 'setup.md'), `Set \`password = "Vq8#rT2m!Lz6pW"\` and GITHUB_TOKEN=${LEAK(9999)}\n`);
  const pfx = fileRules.find((r) => r.id === 'pkcs12-file')!.examples.positive[0].bytes;
  writeFileSync(path.join(dir, 'client.p12'), pfx);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('keyhaven scan --threads 2 equals --threads 1 (built binary)', () => {
  for (const format of ['json', 'sarif', 'csv'] as const) {
    it(`gives the same ${format} report and exit code`, async () => {
      const one = await keyhaven(['scan', '.', '--no-vault', '--format', format, '--threads', '1'], { cwd: dir, timeoutMs: 60_000 });
      const two = await keyhaven(['scan', '.', '--no-vault', '--format', format, '--threads', '2'], { cwd: dir, timeoutMs: 60_000 });
      expect(one.code).toBe(1);
      expect(two.code).toBe(1);
      expect(two.stdout).toBe(one.stdout);
      if (format === 'json') {
        const findings = JSON.parse(one.stdout) as unknown;
        const list = (Array.isArray(findings) ? findings : (findings as { findings: unknown[] }).findings) as Array<{
          file: string;
          ruleId: string;
        }>;
        expect(list.length).toBeGreaterThan(100);
        expect(list.some((f) => f.file === 'client.p12' && f.ruleId === 'pkcs12-file')).toBe(true);
        expect(list.some((f) => f.file.startsWith('corpus/secrets/'))).toBe(true);
      }
    }, 120_000);
  }

  it('gives the same report with --file-timeout 0 (the main thread scans too) as with the default limit (workers only)', async () => {
    const args = ['scan', '.', '--no-vault', '--format', 'json'];
    const limited = await keyhaven([...args, '--threads', '2'], { cwd: dir, timeoutMs: 60_000 });
    for (const threads of ['1', '2']) {
      const inThread = await keyhaven([...args, '--threads', threads, '--file-timeout', '0'], { cwd: dir, timeoutMs: 60_000 });
      expect(inThread.code).toBe(1);
      expect(inThread.stdout).toBe(limited.stdout);
    }
    expect(limited.code).toBe(1);
  }, 120_000);
});
