// Test helpers: temp directories, git repos, fake secrets assembled at runtime.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fake, A62 } from '../src/rules/define.js';

export const tmpDir = (prefix = 'khv-scan-') => mkdtempSync(path.join(os.tmpdir(), prefix));
export const write = (root: string, rel: string, content: string | Buffer) => {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
};
export const ghToken = (seed = 't') => 'gh' + 'p_' + fake(A62, 36, seed);
export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
export const initRepo = () => {
  const dir = tmpDir('khv-git-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Ada Lovelace');
  git(dir, 'config', 'user.email', 'ada@example.test');
  git(dir, 'config', 'commit.gpgsign', 'false');
  return dir;
};
