// Git targets on real temporary repositories: a secret committed then removed is still found in
// history with its commit and author; ranges limit the scan; staged changes are scanned alone.
import { describe, expect, it } from 'vitest';
import { scanGitHistory, scanStaged, GitError } from '../src/index.js';
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
