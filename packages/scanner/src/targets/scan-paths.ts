// Target: files and directory trees on disk (gitignore-aware). The walk streams files to the
// scanners as it finds them (bounded queue), so scanning overlaps the walk.
import { performance } from 'node:perf_hooks';
import type { ScanEvent, ScanProgress, ScanResult } from '../types.js';
import type { ScanSettings } from '../engine/scanner.js';
import { walkFilesStream } from './walk.js';
import { runFileStream } from './pool.js';

export interface ScanPathsOptions extends ScanSettings {
  threads?: number;
  gitignore?: boolean;
  exclude?: string[];
  onProgress?: (p: ScanProgress) => void;
  /** Walk and queue events (see ScanEvent); for tools and tests. */
  onEvent?: (e: ScanEvent) => void;
  /** Most files waiting between the walk and the scanners (default 1024). */
  queueBound?: number;
  /** Longest one file may take to scan, in ms (0 or unset: no limit). With a limit every file is
   *  scanned on a worker thread, which can be stopped; a file past it is an `error` skip. */
  fileTimeoutMs?: number;
}

export const scanPaths = async (paths: string[], options: ScanPathsOptions = {}): Promise<ScanResult> => {
  const t0 = performance.now();
  const { threads, gitignore, exclude, onProgress, onEvent, queueBound, fileTimeoutMs, ...settings } = options;
  const source = walkFilesStream(paths.length ? paths : ['.'], { gitignore, exclude });
  const r = await runFileStream(source, settings, { threads, onProgress, onEvent, queueBound, fileTimeoutMs });
  return {
    findings: r.findings,
    skipped: r.skipped,
    stats: { files: r.files, bytes: r.bytes, durationMs: Math.round(performance.now() - t0) },
  };
};
