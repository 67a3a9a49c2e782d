// Shared between the pool and its workers: what a worker receives as workerData, and the slots of the
// progress array (Int32Array over a SharedArrayBuffer) in which it marks the file it is scanning.
import type { ScanSettings } from '../engine/scanner.js';

export const PROGRESS_STARTED = 0; // files started since the worker began (incremented at each start)
export const PROGRESS_BUSY = 1; // 1 while a file is being scanned
export const PROGRESS_BATCH = 2; // id of the batch of the current file
export const PROGRESS_INDEX = 3; // index of the current file in that batch
export const PROGRESS_SLOTS = 4;

export interface WorkerData {
  settings: ScanSettings;
  /** Present when the pool enforces a per-file time limit. */
  progress?: Int32Array;
}
