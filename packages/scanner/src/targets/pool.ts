// Worker pool: distributes batches of files over N worker threads (default: available cores) and
// reports progress. With one thread the scan runs in the calling thread, no worker involved.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ScanProgress } from '../types.js';
import { createScanner, DEFAULT_MAX_FILE_SIZE, type ScanSettings } from '../engine/scanner.js';
import { scanFile, type FileJob, type FileResult } from './scan-file.js';

export const defaultThreads = () => (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);

/** Start the worker; when running from TypeScript sources (tests, tsx), register tsx inside it. */
const startWorker = (settings: ScanSettings): Worker => {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./scan-worker.js', self), { workerData: settings });
  const tsxDir = path.dirname(createRequire(self).resolve('tsx/package.json'));
  const api = pathToFileURL(path.join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./scan-worker.ts', self).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData: settings });
};

const batches = (jobs: FileJob[], maxFiles = 64, maxBytes = 4 * 1024 * 1024): FileJob[][] => {
  const out: FileJob[][] = [];
  let cur: FileJob[] = [];
  let bytes = 0;
  for (const j of jobs) {
    if (cur.length && (cur.length >= maxFiles || bytes + j.size > maxBytes)) { out.push(cur); cur = []; bytes = 0; }
    cur.push(j);
    bytes += j.size;
  }
  if (cur.length) out.push(cur);
  return out;
};

export const runFileJobs = async (
  jobs: FileJob[],
  settings: ScanSettings,
  opts: { threads?: number; onProgress?: (p: ScanProgress) => void },
): Promise<FileResult[]> => {
  const threads = Math.max(1, Math.min(opts.threads ?? defaultThreads(), Math.ceil(jobs.length / 8) || 1));
  const bytesTotal = jobs.reduce((a, j) => a + j.size, 0);
  const progress: ScanProgress = { filesDone: 0, filesTotal: jobs.length, bytesDone: 0, bytesTotal };
  const tick = (n: number, bytes: number) => {
    progress.filesDone += n;
    progress.bytesDone += bytes;
    opts.onProgress?.({ ...progress });
  };
  const maxSize = settings.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  if (threads === 1) {
    const scanner = createScanner(settings);
    const out: FileResult[] = [];
    for (const j of jobs) {
      const r = await scanFile(scanner, j, maxSize);
      out.push(r);
      tick(1, j.size);
    }
    return out;
  }
  // Largest first for better balance; results are re-ordered by job index at the end.
  const order = jobs.map((j, i) => ({ j, i })).sort((a, b) => b.j.size - a.j.size);
  const groups = batches(order.map((o) => o.j));
  const groupIdx: number[][] = [];
  let k = 0;
  for (const g of groups) groupIdx.push(g.map(() => order[k++].i));
  const results: FileResult[] = new Array(jobs.length);
  const workers = Array.from({ length: threads }, () => startWorker(settings));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= groups.length) { resolve(); return; }
              const id = next++;
              w.postMessage({ id, jobs: groups[id] });
            };
            w.on('message', (msg: { id: number; results: FileResult[] }) => {
              msg.results.forEach((r, n) => (results[groupIdx[msg.id][n]] = r));
              tick(msg.results.length, groups[msg.id].reduce((a, j) => a + j.size, 0));
              send();
            });
            w.on('error', reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
};
