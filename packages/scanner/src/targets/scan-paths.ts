// Target: files and directory trees on disk (gitignore-aware), scanned in parallel.
import { performance } from 'node:perf_hooks';
import type { ScanProgress, ScanResult } from '../types.js';
import type { ScanSettings } from '../engine/scanner.js';
import { walkFiles } from './walk.js';
import { runFileJobs } from './pool.js';

export interface ScanPathsOptions extends ScanSettings {
  threads?: number;
  gitignore?: boolean;
  exclude?: string[];
  onProgress?: (p: ScanProgress) => void;
}

export const scanPaths = async (paths: string[], options: ScanPathsOptions = {}): Promise<ScanResult> => {
  const t0 = performance.now();
  const { threads, gitignore, exclude, onProgress, ...settings } = options;
  const files = await walkFiles(paths.length ? paths : ['.'], { gitignore, exclude });
  const results = await runFileJobs(files, settings, { threads, onProgress });
  const findings = results.flatMap((r) => r.findings);
  const skipped = results.flatMap((r) => (r.skipped ? [r.skipped] : []));
  const bytes = results.reduce((a, r) => a + r.bytes, 0);
  return { findings, skipped, stats: { files: files.length, bytes, durationMs: Math.round(performance.now() - t0) } };
};
