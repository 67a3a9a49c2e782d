// Worker-thread entry: rebuilds the scanner from workerData settings and scans batches of files.
// A file whose scan throws is reported as an `error` skip; the worker keeps going. With a per-file
// time limit the pool passes a shared progress array: the worker marks each file it starts there, so
// the pool's watchdog can tell which file a stuck worker is on (see pool.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { createScanner, DEFAULT_MAX_FILE_SIZE } from '../engine/scanner.js';
import { scanFileSafe, type FileJob, type FileResult } from './scan-file.js';
import { PROGRESS_BATCH, PROGRESS_BUSY, PROGRESS_INDEX, PROGRESS_STARTED, type WorkerData } from './worker-progress.js';

const { settings, progress } = workerData as WorkerData;
const scanner = createScanner(settings);
const max = settings.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;

parentPort!.on('message', (msg: { id: number; jobs: FileJob[] }) => {
  void (async () => {
    const results: FileResult[] = [];
    for (let n = 0; n < msg.jobs.length; n++) {
      if (progress) {
        Atomics.store(progress, PROGRESS_BATCH, msg.id);
        Atomics.store(progress, PROGRESS_INDEX, n);
        Atomics.add(progress, PROGRESS_STARTED, 1);
        Atomics.store(progress, PROGRESS_BUSY, 1);
      }
      results.push(await scanFileSafe(scanner, msg.jobs[n], max));
      if (progress) Atomics.store(progress, PROGRESS_BUSY, 0);
    }
    parentPort!.postMessage({ id: msg.id, results });
  })().catch((e: unknown) => {
    // Only postMessage can fail here: rethrown, the worker ends and the pool retries its files.
    setImmediate(() => {
      throw e;
    });
  });
});
