// Reads one file and scans it (shared by the in-thread path and the worker threads). Reads are
// synchronous on purpose: scanning is CPU-bound and runs on worker threads when parallel. A job may
// instead carry its content (added lines of a git diff, standard input), so that every target goes
// through the same pool and the same per-file time limit.
import { readFileSync, statSync } from 'node:fs';
import type { Finding, SkippedFile } from '../types.js';
import type { Scanner } from '../engine/scanner.js';

/** Commit a diff chunk came from (git history). */
export interface JobCommit {
  commit: string;
  author?: string;
  email?: string;
  date?: string;
}

/** One file to scan; `size` is read from the file when the walk did not stat it. */
export interface FileJob {
  abs: string;
  rel: string;
  size?: number;
  /** Content to scan instead of reading `abs`: text (diff chunk) or bytes (stdin). */
  text?: string;
  bytes?: Uint8Array;
  /** With `text`: the file line number of each text line (diff chunks are not contiguous). */
  lineNumbers?: number[];
  commit?: JobCommit;
  /** Name used when the job is reported as not scanned (default `rel`), e.g. `abc123def456:src/a.ts`. */
  label?: string;
}

export const jobName = (job: FileJob): string => job.label ?? job.rel;
export interface FileResult {
  findings: Finding[];
  skipped?: SkippedFile;
  bytes: number;
}

const unreadable = (job: FileJob, e: unknown): FileResult => ({
  findings: [],
  skipped: { file: job.rel, reason: 'unreadable', detail: (e as NodeJS.ErrnoException).code ?? 'error' },
  bytes: 0,
});

const scanContent = (scanner: Scanner, job: FileJob): FileResult => {
  if (job.bytes !== undefined) {
    const buf = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    return { ...scanner.scanBuffer(buf, job.rel), bytes: buf.length };
  }
  const text = job.text ?? '';
  const findings = scanner.scanText(text, job.rel);
  for (const f of findings) {
    if (job.lineNumbers) f.line = job.lineNumbers[f.line - 1] ?? f.line;
    if (job.commit) Object.assign(f, job.commit);
  }
  return { findings, bytes: text.length };
};

export const scanFile = async (scanner: Scanner, job: FileJob, maxSize: number): Promise<FileResult> => {
  if (job.text !== undefined || job.bytes !== undefined) return scanContent(scanner, job);
  let size = job.size;
  if (size === undefined) {
    try {
      size = statSync(job.abs).size;
    } catch (e) {
      return unreadable(job, e);
    }
  }
  if (size > maxSize) {
    return { findings: [], skipped: { file: job.rel, reason: 'too-large', detail: `${size} bytes > ${maxSize}` }, bytes: 0 };
  }
  let buf: Buffer;
  try {
    buf = readFileSync(job.abs); // sync: far cheaper per small file than the async thread-pool round trip
  } catch (e) {
    return unreadable(job, e);
  }
  const r = scanner.scanBuffer(buf, job.rel);
  return { ...r, bytes: buf.length };
};

/** scanFile that never throws: an exception while scanning becomes an `error` skip for that file.
 *  The detail carries only the error's class name, never its message (which could quote content). */
export const scanFileSafe = async (scanner: Scanner, job: FileJob, maxSize: number): Promise<FileResult> => {
  try {
    return await scanFile(scanner, job, maxSize);
  } catch (e) {
    const name = e instanceof Error ? e.name : typeof e;
    return { findings: [], skipped: { file: jobName(job), reason: 'error', detail: `scan failed (${name})` }, bytes: 0 };
  }
};
