// Targets backed by git: a repository's full history (or a commit range) and the staged changes.
// Added lines are attributed to commit, author and date; only additions are scanned.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import type { Finding, ScanResult } from '../types.js';
import { createScanner, type ScanSettings } from '../engine/scanner.js';
import { createDiffParser, LOG_FORMAT, type AddedChunk } from './diff-parser.js';

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

const runGit = async (cwd: string, args: string[], onLine: (l: string) => void): Promise<void> => {
  const child = spawn('git', ['-c', 'core.quotePath=false', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 2000) stderr += d;
  });
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  const closed = new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(new GitError(`could not run git: ${e.message}`)));
    child.on('close', (code) => resolve(code ?? 1));
  });
  for await (const l of rl) onLine(l);
  const code = await closed;
  if (code !== 0) throw new GitError(`git ${args[0]} failed in ${cwd}: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`);
};

const scanDiff = async (cwd: string, args: string[], settings: ScanSettings): Promise<ScanResult> => {
  const t0 = performance.now();
  const scanner = createScanner(settings);
  const findings: Finding[] = [];
  let bytes = 0;
  const files = new Set<string>();
  const onChunk = (c: AddedChunk) => {
    const text = c.lines.join('\n');
    bytes += text.length;
    files.add(c.file);
    for (const f of scanner.scanText(text, c.file)) {
      f.line = c.lineNumbers[f.line - 1] ?? f.line;
      if (c.commit) Object.assign(f, { commit: c.commit.commit, author: c.commit.author, email: c.commit.email, date: c.commit.date });
      findings.push(f);
    }
  };
  const parser = createDiffParser(onChunk);
  await runGit(cwd, args, parser.line);
  parser.end();
  return { findings, skipped: [], stats: { files: files.size, bytes, durationMs: Math.round(performance.now() - t0) } };
};

const DIFF_FLAGS = ['-p', '-U0', '--no-renames', '--no-color', '--no-ext-diff', '--no-textconv'];

export interface GitHistoryOptions extends ScanSettings {
  /** A revision range such as `main..HEAD` or `abc123~1..abc123`; default: all refs. */
  range?: string;
}

export const scanGitHistory = (repoDir: string, options: GitHistoryOptions = {}): Promise<ScanResult> => {
  const { range, ...settings } = options;
  if (range !== undefined && (range.startsWith('-') || /\s/.test(range))) throw new GitError(`invalid revision range: ${range}`);
  const args = ['log', ...DIFF_FLAGS, LOG_FORMAT, ...(range ? [range] : ['--all'])];
  return scanDiff(repoDir, args, settings);
};

export const scanStaged = (repoDir: string, options: ScanSettings = {}): Promise<ScanResult> =>
  scanDiff(repoDir, ['diff', '--cached', ...DIFF_FLAGS.filter((f) => f !== '-p')], options);
