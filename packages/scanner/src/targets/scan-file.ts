// Reads one file and scans it (shared by the in-thread path and the worker threads). Reads are
// synchronous on purpose: scanning is CPU-bound and runs on worker threads when parallel.
import { readFileSync, statSync } from 'node:fs';
import type { Finding, SkippedFile } from '../types.js';
import type { Scanner } from '../engine/scanner.js';

/** One file to scan; `size` is read from the file when the walk did not stat it. */
export interface FileJob {
  abs: string;
  rel: string;
  size?: number;
}
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

export const scanFile = async (scanner: Scanner, job: FileJob, maxSize: number): Promise<FileResult> => {
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
    return { findings: [], skipped: { file: job.rel, reason: 'error', detail: `scan failed (${name})` }, bytes: 0 };
  }
};
