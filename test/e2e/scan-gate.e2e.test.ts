// `keyhaven scan` as a gate, through the built binary: exit codes (0 clean, 1 findings, 2 usage),
// --format json|sarif|csv as valid documents (SARIF checked against the 2.1.0 JSON schema), and the
// pre-commit hook from `scan install-hook` in a real git repository refusing a leak and passing a clean commit.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltCli, CLI_MAIN, cleanEnv, keyhaven, runProcess, scratchDir } from './support/surface.js';

// Built at run time so this file itself does not trip a scanner.
const LEAK = 'gh' + 'p_' + 'R8xk2Lq9Vb3Nw7Tz5Yc1Hd4Jf6Gm0Sp2Ua8E';
let dir: string;

const sarifValidator = () => {
  // The official SARIF 2.1.0 schema (draft-04), as shipped in @microsoft/jest-sarif 1.0.0-beta.0; it uses
  // no draft-04-only keyword (exclusiveMinimum/Maximum), so Ajv 8 compiles it once $schema/id are renamed.
  const schema = JSON.parse(readFileSync(new URL('./fixtures/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8'));
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false }); // the schema's language pattern is not valid with the u flag;
  return ajv.compile(schema);
};

beforeAll(() => {
  assertBuiltCli();
  dir = scratchDir();
  writeFileSync(path.join(dir, 'config.env'), `GITHUB_TOKEN=${LEAK}\n`);
  writeFileSync(path.join(dir, 'clean.txt'), 'nothing to see\n');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('keyhaven scan exit codes and formats (built binary)', () => {
  it('exits 1 with findings, 0 when clean, 2 on a usage error', async () => {
    const found = await keyhaven(['scan', 'config.env', '--no-vault'], { cwd: dir });
    expect(found.code).toBe(1);
    expect(found.stdout).toContain('github-pat');
    expect(found.stdout).not.toContain(LEAK);
    expect((await keyhaven(['scan', 'clean.txt', '--no-vault'], { cwd: dir })).code).toBe(0);
    expect((await keyhaven(['scan', 'config.env', '--no-vault', '--exit-zero'], { cwd: dir })).code).toBe(0);
    const bad = await keyhaven(['scan', 'config.env', '--format', 'yaml'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be one of text, json, sarif, csv/);
  });

  it('--format json prints JSON, also into --output', async () => {
    const r = await keyhaven(['scan', 'config.env', '--no-vault', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings).toHaveLength(1);
    expect(doc.findings[0]).toMatchObject({ ruleId: 'github-pat', line: 1 });
    const o = await keyhaven(['--format', 'json', 'scan', 'config.env', '--no-vault', '--output', 'r.json'], { cwd: dir });
    expect(o).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')).findings[0].ruleId).toBe('github-pat');
  });

  it('--format sarif is valid SARIF 2.1.0 (schema), written with -o as the README shows', async () => {
    const r = await keyhaven(['scan', 'config.env', '--no-vault', '--format', 'sarif', '-o', 'scan.sarif'], { cwd: dir });
    expect(r.code).toBe(1);
    const doc = JSON.parse(readFileSync(path.join(dir, 'scan.sarif'), 'utf8'));
    const validate = sarifValidator();
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(doc.version).toBe('2.1.0');
    expect(doc.runs[0].results[0]).toMatchObject({ ruleId: 'github-pat' });
    expect(doc.runs[0].results[0].locations[0].physicalLocation.region.startLine).toBe(1);
    // The validator is not a rubber stamp: a document without runs is refused.
    expect(validate({ version: '2.1.0' })).toBe(false);
  });

  it('--format csv has a header and one row per finding with the same columns', async () => {
    const r = await keyhaven(['scan', 'config.env', '--no-vault', '--format', 'csv'], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0].split(',')).toEqual(expect.arrayContaining(['file', 'line', 'ruleId', 'severity']));
    expect(lines[1]).toContain('github-pat');
    expect(lines[1]).not.toContain(LEAK);
  });

  it('writing into a closed pipe exits quietly (no EPIPE crash)', async () => {
    const r = await runProcess('bash', ['-c', 'set -o pipefail; "$0" "$1" scan --help | head -1', process.execPath, CLI_MAIN], {
      env: cleanEnv(),
    });
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(r.stdout).toMatch(/^Usage: keyhaven scan/);
    expect(r.code).toBe(0);
  });
});

describe('the installed pre-commit hook in a real git repository', () => {
  const git = (cwd: string, ...args: string[]) =>
    runProcess('git', ['-c', 'user.email=e2e@example.test', '-c', 'user.name=e2e', ...args], {
      cwd,
      env: cleanEnv({ PATH: '/usr/bin:/bin' }),
    });

  it('refuses a commit with a leaked token and lets a clean one through, with keyhaven not on PATH', async () => {
    const repo = scratchDir('keyhaven-e2e-git-');
    try {
      execFileSync('git', ['init', '-q', repo]);
      const inst = await keyhaven(['scan', 'install-hook'], { cwd: repo });
      expect(inst.code).toBe(0);
      expect(inst.stderr).toContain('installed');
      // PATH without any keyhaven (as after `npm install` in a project): the hook still finds the CLI.
      expect(
        (await runProcess('sh', ['-c', 'command -v keyhaven || echo none'], { env: cleanEnv({ PATH: '/usr/bin:/bin' }) })).stdout.trim(),
      ).toBe('none');

      writeFileSync(path.join(repo, 'README'), 'clean\n');
      expect((await git(repo, 'add', 'README')).code).toBe(0);
      const ok = await git(repo, 'commit', '-q', '-m', 'clean');
      expect(ok.code, ok.stderr).toBe(0);

      writeFileSync(path.join(repo, '.env'), `GITHUB_TOKEN=${LEAK}\n`);
      await git(repo, 'add', '.env');
      const refused = await git(repo, 'commit', '-q', '-m', 'leak');
      expect(refused.code).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain('github-pat');
      expect((await git(repo, 'log', '--oneline')).stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('says clearly what to do when it cannot find the CLI, instead of blocking silently', async () => {
    const repo = scratchDir('keyhaven-e2e-git-');
    try {
      execFileSync('git', ['init', '-q', repo]);
      expect((await keyhaven(['scan', 'install-hook'], { cwd: repo })).code).toBe(0);
      const hook = path.join(repo, '.git', 'hooks', 'pre-commit');
      // Simulate a moved checkout: the recorded main.js no longer exists.
      writeFileSync(hook, readFileSync(hook, 'utf8').replace(/^KEYHAVEN_MAIN=.*$/m, "KEYHAVEN_MAIN='/nonexistent/main.js'"));
      writeFileSync(path.join(repo, 'a'), 'a\n');
      await git(repo, 'add', 'a');
      const r = await git(repo, 'commit', '-q', '-m', 'a');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/cannot find the keyhaven CLI/);
      expect(r.stderr).toMatch(/install-hook/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
