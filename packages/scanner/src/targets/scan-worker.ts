// Worker-thread entry: rebuilds the scanner from workerData settings and scans batches of files.
import { parentPort, workerData } from 'node:worker_threads';
import { createScanner, DEFAULT_MAX_FILE_SIZE, type ScanSettings } from '../engine/scanner.js';
import { scanFile, type FileJob } from './scan-file.js';

const settings = workerData as ScanSettings;
const scanner = createScanner(settings);
const max = settings.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;

parentPort!.on('message', (msg: { id: number; jobs: FileJob[] }) => {
  void (async () => {
    const results = [];
    for (const job of msg.jobs) results.push(await scanFile(scanner, job, max));
    parentPort!.postMessage({ id: msg.id, results });
  })().catch((e: unknown) => {
    // Rethrown as an uncaught exception: the worker ends and the pool's 'error' listener fails the scan.
    setImmediate(() => { throw e; });
  });
});
