// `keyhaven scan` through commander with captured io: exit codes, formats, baseline round trip,
// vault matching and rotation with a fake client, stdin, config errors, and install-hook.
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { progressLine, registerScanCommand, type KeyhavenClientLike } from './scan.js';

const tok = 'gh' + 'p_' + 'R8xk2Lq9Vb3Nw7Tz5Yc1Hd4Jf6Gm0Sp2Ua8E';
const sha = createHash('sha256').update(tok).digest('hex');

const setup = (
  opts: { client?: Partial<KeyhavenClientLike>; stdin?: string; env?: Record<string, string>; stderrIsTTY?: boolean } = {},
) => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'khv-cli-scan-'));
  const out: string[] = [];
  const err: string[] = [];
  let code = -1;
  const rotated: string[] = [];
  const client: KeyhavenClientLike = {
    fingerprints: { match: async (h) => (h.includes(sha) ? [{ sha256: sha, tenant: 'acme', secret: 'ci/github', version: 3 }] : []) },
    rotation: { emergencyRotate: async (name) => (rotated.push(name), { version: 4 }) },
    ...opts.client,
  } as KeyhavenClientLike;
  const program = new Command().exitOverride();
  registerScanCommand(program, {
    getClient: () => client,
    io: {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      cwd,
      env: opts.env ?? {},
      stdinIsTTY: false,
      stdoutIsTTY: false,
      stderrIsTTY: opts.stderrIsTTY ?? false,
      stdin: (async function* () {
        yield Buffer.from(opts.stdin ?? '');
      })(),
      ask: async () => 'y',
      setExitCode: (c) => {
        code = c;
      },
    },
  });
  const run = async (...args: string[]) => {
    out.length = 0;
    err.length = 0;
    await program.parseAsync(args, { from: 'user' });
    return code;
  };
  return {
    cwd,
    out,
    err,
    run,
    rotated,
    get code() {
      return code;
    },
  };
};

describe('keyhaven scan', () => {
  it('exits 1 with findings and 0 when clean, in json', async () => {
    const t = setup();
    writeFileSync(path.join(t.cwd, 'clean.txt'), 'nothing here\n');
    expect(await t.run('scan', '--format', 'json')).toBe(0);
    writeFileSync(path.join(t.cwd, 'app.env'), `GITHUB_TOKEN=${tok}\n`);
    expect(await t.run('scan', '--format', 'json')).toBe(1);
    const j = JSON.parse(t.out.join(''));
    expect(j.findings[0]).toMatchObject({ ruleId: 'github-pat', file: 'app.env', line: 1 });
    expect(t.out.join('')).not.toContain(tok);
    expect(await t.run('scan', '--exit-zero')).toBe(0);
  });
  it('baselines accept known findings; only new ones fail', async () => {
    const t = setup();
    writeFileSync(path.join(t.cwd, 'app.env'), `GITHUB_TOKEN=${tok}\n`);
    expect(await t.run('scan', '--write-baseline', 'base.json')).toBe(0);
    expect(readFileSync(path.join(t.cwd, 'base.json'), 'utf8')).not.toContain(tok);
    expect(await t.run('scan', '--baseline', 'base.json', '--format', 'csv')).toBe(0);
  });
  it('reads stdin and reports usage errors with exit 2', async () => {
    const t = setup({ stdin: `token: ${tok}\n` });
    expect(await t.run('scan', '--stdin', '--format', 'sarif')).toBe(1);
    expect(JSON.parse(t.out.join('')).runs[0].results).toHaveLength(1);
    expect(await t.run('scan', '--stdin', '--staged')).toBe(2);
    expect(t.err.join('')).toMatch(/choose one target/);
    expect(await t.run('scan', '--threads', 'zero')).toBe(2);
  });
  it('reports config errors with exit 2', async () => {
    const t = setup();
    writeFileSync(path.join(t.cwd, '.keyhaven-scan.yaml'), 'disabledRules: [nope]\n');
    expect(await t.run('scan')).toBe(2);
    expect(t.err.join('')).toMatch(/unknown rule id "nope"/);
  });
  it('matches findings against the vault and rotates after confirmation', async () => {
    const t = setup({ env: { KEYHAVEN_ADDR: 'http://127.0.0.1:1', KEYHAVEN_TOKEN: 'x' } });
    writeFileSync(path.join(t.cwd, 'app.env'), `GITHUB_TOKEN=${tok}\n`);
    expect(await t.run('scan', '--format', 'json')).toBe(1);
    expect(JSON.parse(t.out.join('')).findings[0].vault).toEqual({ tenant: 'acme', secret: 'ci/github', version: 3 });
    expect(await t.run('scan', '--no-vault', '--format', 'json')).toBe(1);
    expect(JSON.parse(t.out.join('')).findings[0].vault).toBeUndefined();
    expect(await t.run('scan', '--rotate')).toBe(2); // no TTY, no --yes
    expect(t.rotated).toEqual([]);
    expect(await t.run('scan', '--rotate', '--yes')).toBe(1);
    expect(t.rotated).toEqual(['ci/github']);
  });
});

describe('keyhaven scan install-hook', () => {
  it('installs an executable hook, refuses to clobber, chains on request', async () => {
    const t = setup();
    execFileSync('git', ['init', '-q'], { cwd: t.cwd });
    const hook = path.join(t.cwd, '.git/hooks/pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho existing\n', { mode: 0o755 });
    expect(await t.run('scan', 'install-hook')).toBe(2);
    expect(readFileSync(hook, 'utf8')).toContain('echo existing');
    expect(await t.run('scan', 'install-hook', '--chain')).toBe(0);
    expect(readFileSync(hook, 'utf8')).toContain('scan --staged');
    expect(readFileSync(path.join(t.cwd, '.git/hooks/pre-commit.local'), 'utf8')).toContain('echo existing');
    expect(statSync(hook).mode & 0o111).not.toBe(0);
    expect(existsSync(hook)).toBe(true);
  });
});

describe('scan command constants', () => {
  it('lists the same formats and severities as the scanner it loads lazily', async () => {
    const cmd = await import('./scan.js');
    const scanner = await import('@keyhaven/scanner');
    expect([...cmd.REPORT_FORMATS].sort()).toEqual([...scanner.REPORT_FORMATS].sort());
    expect(cmd.SEVERITIES).toEqual(scanner.SEVERITIES);
  });

  describe('progress on a terminal', () => {
    const many = (cwd: string) => {
      for (let i = 0; i < 40; i++) writeFileSync(path.join(cwd, `f${i}.env`), i === 7 ? `TOKEN=${tok}\n` : 'A=1\n');
    };
    it('shows files/s and MiB/s on stderr for a text report when stderr is a TTY, and clears the line', async () => {
      const t = setup({ stderrIsTTY: true });
      many(t.cwd);
      expect(await t.run('scan', '.', '--no-vault', '--threads', '1')).toBe(1);
      const err = t.err.join('');
      expect(err).toMatch(/\r\[#+\.*\] \d+\/40 files, [\d.]+ MiB, \d+ files\/s, [\d.]+ MiB\/s/);
      expect(err).toContain('\r\x1b[K');
      expect(t.out.join('')).not.toContain('files/s');
    });
    it('keeps machine-readable stdout clean: no progress for json to stdout, none without a TTY', async () => {
      const tty = setup({ stderrIsTTY: true });
      many(tty.cwd);
      expect(await tty.run('scan', '.', '--no-vault', '--format', 'json')).toBe(1);
      expect(tty.err.join('')).not.toContain('files/s');
      const report = JSON.parse(tty.out.join('')) as unknown;
      expect(JSON.stringify(report)).toContain('f7.env');
      const plain = setup();
      many(plain.cwd);
      expect(await plain.run('scan', '.', '--no-vault')).toBe(1);
      expect(plain.err.join('')).not.toContain('files/s');
    });
    it('says the walk is still running while the total is unknown', () => {
      expect(progressLine({ filesDone: 50, filesTotal: 80, bytesDone: 2 * 1048576, bytesTotal: 0, walkDone: false }, 2000)).toBe(
        '50 files scanned (80 found, still walking), 2.0 MiB, 25 files/s, 1.0 MiB/s',
      );
      expect(progressLine({ filesDone: 80, filesTotal: 80, bytesDone: 1048576, bytesTotal: 1048576, walkDone: true }, 1000)).toBe(
        `[${'#'.repeat(30)}] 80/80 files, 1.0 MiB, 80 files/s, 1.0 MiB/s`,
      );
    });
  });
});
