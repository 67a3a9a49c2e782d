// Targets backed by git: a repository's full history (or a commit range) and the staged changes.
// Added lines are attributed to commit, author and date; only additions are scanned. Each added chunk
// (one file in one commit) is a job for the same pool as files on disk, so --threads and the per-file
// time limit apply here too.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import type { ScanResult } from '../types.js';
import type { ScanSettings } from '../engine/scanner.js';
import { createDiffParser, LOG_FORMAT, type AddedChunk } from './diff-parser.js';
import { runFileStream } from './pool.js';
import type { FileJob } from './scan-file.js';

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

/** The lines of a git command's output, as they arrive; the child is killed if the reader stops early. */
async function* gitLines(cwd: string, args: string[]): AsyncGenerator<string> {
  const child = spawn('git', ['-c', 'core.quotePath=false', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 2000) stderr += d;
  });
  const closed = new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(new GitError(`could not run git: ${e.message}`)));
    child.on('close', (code) => resolve(code ?? 1));
  });
  closed.catch(() => undefined); // observed below; never an unhandled rejection if the reader stops early
  let finished = false;
  try {
    yield* createInterface({ input: child.stdout, crlfDelay: Infinity });
    const code = await closed;
    finished = true;
    if (code !== 0) throw new GitError(`git ${args[0]} failed in ${cwd}: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`);
  } finally {
    if (!finished) child.kill();
  }
}

/** Each added chunk (one file in one commit) becomes one job for the pool, with its line numbers. */
async function* diffJobs(cwd: string, args: string[], files: Set<string>): AsyncGenerator<FileJob> {
  const ready: AddedChunk[] = [];
  const parser = createDiffParser((c) => ready.push(c));
  const job = (c: AddedChunk): FileJob => {
    files.add(c.file);
    const commit = c.commit ? { commit: c.commit.commit, author: c.commit.author, email: c.commit.email, date: c.commit.date } : undefined;
    return {
      abs: '',
      rel: c.file,
      text: c.lines.join('\n'),
      lineNumbers: c.lineNumbers,
      commit,
      label: commit ? `${commit.commit.slice(0, 12)}:${c.file}` : undefined,
    };
  };
  for await (const l of gitLines(cwd, args)) {
    parser.line(l);
    while (ready.length) yield job(ready.shift()!);
  }
  parser.end();
  while (ready.length) yield job(ready.shift()!);
}

/** Scheduling options shared by the git targets (the same as for files on disk). */
export interface GitScanOptions extends ScanSettings {
  threads?: number;
  /** Longest one diff chunk (one file in one commit) may take to scan, in ms; past it the chunk is an
   *  `error` skip named `<commit>:<file>`, and the rest of the history is still scanned. 0: no limit. */
  fileTimeoutMs?: number;
}

const scanDiff = async (cwd: string, args: string[], options: GitScanOptions): Promise<ScanResult> => {
  const t0 = performance.now();
  const { threads, fileTimeoutMs, ...settings } = options;
  const files = new Set<string>();
  const r = await runFileStream(diffJobs(cwd, args, files), settings, { threads, fileTimeoutMs });
  return {
    findings: r.findings,
    skipped: r.skipped,
    stats: { files: files.size, bytes: r.bytes, durationMs: Math.round(performance.now() - t0) },
  };
};

const DIFF_FLAGS = ['-p', '-U0', '--no-renames', '--no-color', '--no-ext-diff', '--no-textconv'];

export interface GitHistoryOptions extends GitScanOptions {
  /** A revision range such as `main..HEAD` or `abc123~1..abc123`; default: all refs. */
  range?: string;
}

export const scanGitHistory = (repoDir: string, options: GitHistoryOptions = {}): Promise<ScanResult> => {
  const { range, ...settings } = options;
  if (range !== undefined && (range.startsWith('-') || /\s/.test(range))) throw new GitError(`invalid revision range: ${range}`);
  const args = ['log', ...DIFF_FLAGS, LOG_FORMAT, ...(range ? [range] : ['--all'])];
  return scanDiff(repoDir, args, settings);
};

export const scanStaged = (repoDir: string, options: GitScanOptions = {}): Promise<ScanResult> =>
  scanDiff(repoDir, ['diff', '--cached', ...DIFF_FLAGS.filter((f) => f !== '-p')], options);
