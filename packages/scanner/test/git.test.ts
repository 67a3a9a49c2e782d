// Git targets on real temporary repositories: a secret committed then removed is still found in
// history with its commit and author; ranges limit the scan; staged changes are scanned alone; the
// per-file time limit covers history chunks, staged files and stdin.
import { describe, expect, it } from 'vitest';
import { scanGitHistory, scanStaged, scanStream, GitError, type ScanSettings } from '../src/index.js';
import { ghToken, git, initRepo, write, tmpDir } from './helpers.js';

describe('scanGitHistory', () => {
  it('finds a secret that a later commit removed, attributed to its commit', async () => {
    const repo = initRepo();
    const tok = ghToken('hist');
    write(repo, 'README.md', '# demo\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'init');
    write(repo, 'config/app.env', `A=1\nGITHUB_TOKEN=${tok}\n`);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'add token');
    const leak = git(repo, 'rev-parse', 'HEAD').trim();
    write(repo, 'config/app.env', 'A=1\nGITHUB_TOKEN=${GITHUB_TOKEN}\n');
    git(repo, 'commit', '-qam', 'remove token');
    const r = await scanGitHistory(repo);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'github-pat',
      file: 'config/app.env',
      line: 2,
      commit: leak,
      author: 'Ada Lovelace',
      email: 'ada@example.test',
    });
    expect(r.findings[0].date).toMatch(/^\d{4}-\d\d-\d\dT/);
    const later = await scanGitHistory(repo, { range: `${leak}..HEAD` });
    expect(later.findings).toEqual([]);
  });
  it('reports a clear error outside a repository and rejects option-like ranges', async () => {
    await expect(scanGitHistory(tmpDir())).rejects.toBeInstanceOf(GitError);
    expect(() => scanGitHistory(tmpDir(), { range: '--output=/tmp/x' })).toThrow(GitError);
  });
});

describe('scanStaged', () => {
  it('scans only what is staged, with real line numbers', async () => {
    const repo = initRepo();
    write(repo, 'a.txt', 'one\ntwo\nthree\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'init');
    write(repo, 'a.txt', `one\ntwo\nthree\ntoken=${ghToken('staged')}\n`);
    write(repo, 'unstaged.txt', `token=${ghToken('unstaged')}\n`);
    git(repo, 'add', 'a.txt');
    const r = await scanStaged(repo);
    expect(r.findings.map((f) => [f.file, f.line])).toEqual([['a.txt', 4]]);
    expect(r.findings[0].commit).toBeUndefined();
  });
});

// A custom rule that backtracks without end ((a+)+b against many a's and no b): only the per-file time
// limit stops it. With a limit, the chunk (git) or the input (stdin) is an `error` skip named after it,
// and the rest is still scanned.
const SLOW: ScanSettings = {
  rules: [
    {
      id: 'slow-rule',
      description: 'backtracks without end',
      keywords: ['slowkey'],
      pattern: 'slowkey(a+)+b',
      severity: 'low',
      confidence: 'low',
    },
  ],
};
const slowLine = `slowkey${'a'.repeat(40)}!`;

describe('per-file time limit on git and stdin targets', () => {
  it('history: the stuck chunk is reported as <commit>:<file>, later commits are still scanned', async () => {
    const repo = initRepo();
    write(repo, 'slow.txt', `${slowLine}\n`);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'slow');
    const slowCommit = git(repo, 'rev-parse', 'HEAD').trim();
    write(repo, 'app.env', `GITHUB_TOKEN=${ghToken('after-slow')}\n`);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'token');
    const t0 = Date.now();
    const r = await scanGitHistory(repo, { ...SLOW, fileTimeoutMs: 400, threads: 1 });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.findings.map((f) => [f.ruleId, f.file])).toEqual([['github-pat', 'app.env']]);
    expect(r.skipped).toEqual([
      { file: `${slowCommit.slice(0, 12)}:slow.txt`, reason: 'error', detail: 'timeout (scan took longer than 400 ms)' },
    ]);
  }, 30_000);
  it('staged: the stuck file is an error skip, the other staged file is scanned (2 threads)', async () => {
    const repo = initRepo();
    write(repo, 'a-slow.txt', `${slowLine}\n`);
    write(repo, 'b.env', `GITHUB_TOKEN=${ghToken('staged-after-slow')}\n`);
    git(repo, 'add', '.');
    const r = await scanStaged(repo, { ...SLOW, fileTimeoutMs: 400, threads: 2 });
    expect(r.findings.map((f) => [f.file, f.line])).toEqual([['b.env', 1]]);
    expect(r.skipped.map((s) => [s.file, s.reason])).toEqual([['a-slow.txt', 'error']]);
  }, 30_000);
  it('stdin: a stuck input is an error skip instead of a hang; without a limit nothing changes', async () => {
    const input = async function* () {
      yield Buffer.from(`${slowLine}\n`);
    };
    const r = await scanStream(input(), { ...SLOW, fileTimeoutMs: 400 });
    expect(r.findings).toEqual([]);
    expect(r.skipped).toEqual([{ file: '<stdin>', reason: 'error', detail: 'timeout (scan took longer than 400 ms)' }]);
    const tok = ghToken('stdin-ok');
    const ok = await scanStream(
      (async function* () {
        yield `token=${tok}\n`;
      })(),
      { fileTimeoutMs: 400 },
    );
    expect(ok.findings.map((f) => [f.ruleId, f.file, f.line])).toEqual([['github-pat', '<stdin>', 1]]);
  }, 30_000);
});
