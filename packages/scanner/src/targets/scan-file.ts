// Reads one file and scans it (shared by the in-thread path and the worker threads). Reads are
// synchronous on purpose: scanning is CPU-bound and runs on worker threads when parallel.
import { readFileSync } from 'node:fs';
import type { Finding, SkippedFile } from '../types.js';
import type { Scanner } from '../engine/scanner.js';

export interface FileJob { abs: string; rel: string; size: number }
export interface FileResult { findings: Finding[]; skipped?: SkippedFile; bytes: number }

export const scanFile = async (scanner: Scanner, job: FileJob, maxSize: number): Promise<FileResult> => {
  if (job.size > maxSize) {
    return { findings: [], skipped: { file: job.rel, reason: 'too-large', detail: `${job.size} bytes > ${maxSize}` }, bytes: 0 };
  }
  let buf: Buffer;
  try {
    buf = readFileSync(job.abs); // sync: far cheaper per small file than the async thread-pool round trip
  } catch (e) {
    return { findings: [], skipped: { file: job.rel, reason: 'unreadable', detail: (e as NodeJS.ErrnoException).code ?? 'error' }, bytes: 0 };
  }
  const r = scanner.scanBuffer(buf, job.rel);
  return { ...r, bytes: buf.length };
};
