// Worker-thread entry: rebuilds the scanner from workerData settings and scans batches of files.
// A file whose scan throws is reported as an `error` skip; the worker keeps going.
import { parentPort, workerData } from 'node:worker_threads';
import { createScanner, DEFAULT_MAX_FILE_SIZE, type ScanSettings } from '../engine/scanner.js';
import { scanFileSafe, type FileJob, type FileResult } from './scan-file.js';

const settings = workerData as ScanSettings;
const scanner = createScanner(settings);
const max = settings.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;

parentPort!.on('message', (msg: { id: number; jobs: FileJob[] }) => {
  void (async () => {
    const results: FileResult[] = [];
    for (const job of msg.jobs) results.push(await scanFileSafe(scanner, job, max));
    parentPort!.postMessage({ id: msg.id, results });
  })().catch((e: unknown) => {
    // Only postMessage can fail here: rethrown, the worker ends and the pool retries its files.
    setImmediate(() => {
      throw e;
    });
  });
});
