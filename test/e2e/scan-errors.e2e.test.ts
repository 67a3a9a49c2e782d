// `keyhaven scan` as a gate when a file cannot be scanned, through the built binary: a file whose scan
// throws or kills its worker thread (faults injected into the worker threads by a `node --import`
// preload, test/e2e/fixtures/scan-faults.mjs) and a file on which a rule backtracks without end (a
// real custom rule from the scan config, stopped by --file-timeout) are named on stderr and make the
// exit code 2, unless there are findings (1) or --allow-scan-errors; ordinary skips stay exit 0.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltCli, CLI_MAIN, cleanEnv, keyhaven, runProcess, scratchDir } from './support/surface.js';

// Built at run time so this file itself does not trip a scanner.
const LEAK = 'gh' + 'p_' + 'R8xk2Lq9Vb3Nw7Tz5Yc1Hd4Jf6Gm0Sp2Ua8E';
const FAULTS = fileURLToPath(new URL('./fixtures/scan-faults.mjs', import.meta.url));
let faults: string;
let slow: string;

/** The built CLI with the fault-injecting preload in its worker threads. */
const faulty = (args: string[], cwd: string) =>
  runProcess(process.execPath, ['--import', FAULTS, CLI_MAIN, ...args], { cwd, env: cleanEnv(), timeoutMs: 60_000 });

beforeAll(() => {
  assertBuiltCli();
  faults = scratchDir('keyhaven-scan-errors-');
  writeFileSync(path.join(faults, 'a-clean.txt'), 'nothing to see\n');
  writeFileSync(path.join(faults, 'crash-here.env'), 'A=1\n');
  writeFileSync(path.join(faults, 'throw-here.env'), 'A=1\n');
  mkdirSync(path.join(faults, 'leak'));
  writeFileSync(path.join(faults, 'leak', 'config.env'), `GITHUB_TOKEN=${LEAK}\n`);
  writeFileSync(path.join(faults, 'big.txt'), 'x'.repeat(4096));
  writeFileSync(path.join(faults, 'image.bin'), Buffer.from([0, 1, 2, 0, 0, 255, 0, 7]));

  // (a+)+b against 40 a's and no b backtracks about 2^40 steps: hours, not seconds.
  slow = scratchDir('keyhaven-scan-timeout-');
  writeFileSync(
    path.join(slow, '.keyhaven-scan.yaml'),
    'rules:\n  - id: slow-rule\n    description: backtracks without end\n    keywords: [slowkey]\n    pattern: "slowkey(a+)+b"\n',
  );
  writeFileSync(path.join(slow, 'a-slow.txt'), `slowkey${'a'.repeat(40)}!\n`);
  writeFileSync(path.join(slow, 'b-clean.txt'), 'nothing to see\n');
  mkdirSync(path.join(slow, 'c'));
  writeFileSync(path.join(slow, 'c', 'config.env'), `GITHUB_TOKEN=${LEAK}\n`);
});
afterAll(() => {
  for (const d of [faults, slow]) if (d) rmSync(d, { recursive: true, force: true });
});

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: could not scan '));

describe('keyhaven scan: files that could not be scanned (built binary)', () => {
  for (const threads of ['1', '2']) {
    it(`a file whose scan throws or crashes its worker is named on stderr and fails the gate with 2 (--threads ${threads})`, async () => {
      const r = await faulty(['scan', 'a-clean.txt', 'crash-here.env', 'throw-here.env', '--no-vault', '--threads', threads], faults);
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr)).toEqual([
        'error: could not scan crash-here.env: worker crashed (exit code 3)',
        'error: could not scan throw-here.env: scan failed (TypeError)',
      ]);
      expect(r.stderr).toContain('2 file(s) could not be scanned (scanner error), so the scan is incomplete: exit 2');
      expect(r.stderr).toContain('--allow-scan-errors');
      expect(r.stderr + r.stdout).not.toContain('SECRET-MARKER'); // the error's message is not printed
    }, 90_000);
  }

  it('findings take precedence (exit 1), and the unscanned files are still named', async () => {
    const r = await faulty(['scan', '.', '--no-vault', '--threads', '2', '--format', 'json'], faults);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['leak/config.env']);
    expect(errorLines(r.stderr)).toHaveLength(2);
    expect(r.stdout).not.toContain(LEAK);
  }, 90_000);

  it('--allow-scan-errors accepts an incomplete scan (exit 0, with a warning); --exit-zero does not', async () => {
    const args = ['scan', 'a-clean.txt', 'crash-here.env', 'throw-here.env', '--no-vault', '--threads', '2'];
    const allowed = await faulty([...args, '--allow-scan-errors'], faults);
    expect(allowed.code).toBe(0);
    expect(errorLines(allowed.stderr)).toHaveLength(2);
    expect(allowed.stderr).toContain('warning: 2 file(s) could not be scanned (scanner error); accepted because of --allow-scan-errors');
    expect((await faulty([...args, '--exit-zero'], faults)).code).toBe(2);
  }, 90_000);

  it('ordinary skips (binary, too large) stay informational: exit 0', async () => {
    writeFileSync(path.join(faults, 'small.yaml'), 'maxFileSize: 1KiB\n');
    const r = await keyhaven(['scan', 'a-clean.txt', 'big.txt', 'image.bin', '--no-vault', '--config', 'small.yaml'], { cwd: faults });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('skipped big.txt: too-large');
    expect(r.stderr).toContain('skipped image.bin: binary');
    expect(errorLines(r.stderr)).toEqual([]);
  });

  for (const threads of ['1', '2']) {
    it(`--file-timeout stops a rule that backtracks without end; the rest of the scan goes on (--threads ${threads})`, async () => {
      const t0 = Date.now();
      const r = await keyhaven(['scan', '.', '--no-vault', '--threads', threads, '--file-timeout', '500ms', '--format', 'json'], {
        cwd: slow,
        timeoutMs: 60_000,
      });
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(r.code).toBe(1); // the leak after the slow file was found
      expect(JSON.parse(r.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['c/config.env']);
      expect(errorLines(r.stderr)).toEqual(['error: could not scan a-slow.txt: timeout (scan took longer than 500 ms)']);
    }, 90_000);
  }

  it('a timed-out file alone fails the gate with 2', async () => {
    const r = await keyhaven(['scan', 'a-slow.txt', 'b-clean.txt', '--no-vault', '--file-timeout', '0.5s'], {
      cwd: slow,
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual(['error: could not scan a-slow.txt: timeout (scan took longer than 500 ms)']);
  }, 90_000);

  it('the text report of an incomplete scan does not say "No secrets found." alone', async () => {
    const r = await keyhaven(['scan', 'a-slow.txt', 'b-clean.txt', '--no-vault', '--file-timeout', '500ms'], {
      cwd: slow,
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(2);
    expect(r.stdout).not.toMatch(/^No secrets found\.$/m);
    expect(r.stdout).toContain('Scan incomplete: 1 file could not be scanned');
    const json = await keyhaven(['scan', 'a-slow.txt', '--no-vault', '--file-timeout', '500ms', '--format', 'json'], {
      cwd: slow,
      timeoutMs: 60_000,
    });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ findings: [], complete: false, unscanned: [{ file: 'a-slow.txt' }] });
  }, 90_000);

  it('--stdin has the per-file time limit too', async () => {
    const r = await keyhaven(['scan', '--stdin', '--no-vault', '--file-timeout', '500ms', '--config', '.keyhaven-scan.yaml'], {
      cwd: slow,
      input: `slowkey${'a'.repeat(40)}!\n`,
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual(['error: could not scan <stdin>: timeout (scan took longer than 500 ms)']);
    const ok = await keyhaven(['scan', '--stdin', '--no-vault', '--format', 'json'], { cwd: slow, input: `GITHUB_TOKEN=${LEAK}\n` });
    expect(ok.code).toBe(1);
    expect(JSON.parse(ok.stdout).findings[0]).toMatchObject({ ruleId: 'github-pat', file: '<stdin>', line: 1 });
  }, 90_000);

  it('--staged and --git have the per-file time limit: the stuck file is named, the rest is scanned', async () => {
    const repo = scratchDir('keyhaven-scan-git-timeout-');
    const g = (...a: string[]) =>
      execFileSync('git', a, { cwd: repo, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
    try {
      g('init', '-q', '-b', 'main');
      g('config', 'user.name', 'Ada');
      g('config', 'user.email', 'ada@example.test');
      writeFileSync(path.join(repo, '.keyhaven-scan.yaml'), readFileSync(path.join(slow, '.keyhaven-scan.yaml')));
      writeFileSync(path.join(repo, 'a-slow.txt'), `slowkey${'a'.repeat(40)}!\n`);
      writeFileSync(path.join(repo, 'b.env'), `GITHUB_TOKEN=${LEAK}\n`);
      g('add', '.');
      const staged = await keyhaven(['scan', '--staged', '--no-vault', '--file-timeout', '500ms', '--format', 'json'], {
        cwd: repo,
        timeoutMs: 60_000,
      });
      expect(staged.code).toBe(1);
      expect(JSON.parse(staged.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['b.env']);
      expect(errorLines(staged.stderr)).toEqual(['error: could not scan a-slow.txt: timeout (scan took longer than 500 ms)']);
      g('commit', '-qm', 'slow and leak');
      const sha = g('rev-parse', 'HEAD').toString().trim().slice(0, 12);
      const hist = await keyhaven(['scan', '--git', '--no-vault', '--file-timeout', '500ms', '--threads', '2'], {
        cwd: repo,
        timeoutMs: 60_000,
      });
      expect(hist.code).toBe(1);
      expect(errorLines(hist.stderr)).toEqual([`error: could not scan ${sha}:a-slow.txt: timeout (scan took longer than 500 ms)`]);
      expect(hist.stdout).toContain('Scan incomplete: 1 file could not be scanned');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 90_000);

  it('rejects a malformed --file-timeout with a usage error (2)', async () => {
    const r = await keyhaven(['scan', 'b-clean.txt', '--no-vault', '--file-timeout', 'soon'], { cwd: slow });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--file-timeout must be a duration such as 10s, 500ms or 2m (0 for no limit), got "soon"');
  });
});
