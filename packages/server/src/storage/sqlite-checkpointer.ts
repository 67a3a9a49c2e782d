// WAL checkpoints off the request thread (ADR 0007). SQLite's automatic checkpoint runs inside the
// COMMIT that crosses its threshold: every ~1,000 WAL frames one request-serving commit copied each
// changed page back into the database file and synced it, holding the event loop for several ms.
// Here a worker thread with its own connection copies the pages (a PASSIVE checkpoint, which never
// blocks the writer) as they accumulate; the request thread only copies the few frames committed
// while the worker ran, so the next commit can start the log again from its beginning.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

export interface CheckpointerOptions {
  /** How often the worker looks for new frames while writes are flowing. */
  intervalMs?: number;
  /** Frames in the log at which the request thread finishes the checkpoint, so the log restarts. */
  restartFrames?: number;
  /** Called when the worker stops unexpectedly; SQLite's own checkpoints are back on by then. */
  onFailure?: (error: Error) => void;
}

export interface CheckpointerStats {
  /** Frames the worker copied into the database file (reported after each pass that copied some). */
  workerFrames: number;
  /** Checkpoints the request thread ran to let the log restart, and the frames they copied in all. */
  restarts: number;
  restartFrames: number;
  running: boolean;
}

export interface Checkpointer {
  stats(): CheckpointerStats;
  /** Stops the worker and puts SQLite's own checkpoints back on. */
  close(): Promise<void>;
}

/** SQLite's default threshold, used whenever the worker is not running. */
const AUTO_CHECKPOINT_FRAMES = 1000;

// Plain CommonJS run with `eval`, so it is the same code whether the server runs from its build or
// from TypeScript sources (tests). It only ever runs checkpoints: no schema, no data.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
let frames = 0; // frames copied into the database file, counted from the passes this worker ran
let prevLog = 0;
let prevDone = 0;
let idle = 0;
let timer;
const pass = () => {
  let r;
  try {
    r = db.pragma('wal_checkpoint(PASSIVE)')[0];
  } catch (e) {
    // Another checkpoint (the request thread's) holds the checkpoint lock: look again next time.
    if (!String(e && e.code).startsWith('SQLITE_BUSY')) throw e;
  }
  let copied = 0;
  if (r && r.log >= 0) {
    // The log restarted since the last pass when it is shorter, or less of it is copied, than then.
    copied = r.log < prevLog || r.checkpointed < prevDone ? r.checkpointed : r.checkpointed - prevDone;
    frames += copied;
    prevLog = r.log;
    prevDone = r.checkpointed;
    if (r.log >= workerData.restartFrames && r.checkpointed === r.log) parentPort.postMessage({ type: 'restart', log: r.log, frames });
    else if (copied > 0) parentPort.postMessage({ type: 'progress', frames });
  }
  // While nothing is written, look ~16 times less often.
  idle = copied > 0 ? 0 : idle + 1;
  timer = setTimeout(pass, idle > 4 ? workerData.intervalMs * 16 : workerData.intervalMs);
};
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.postMessage({ type: 'stopped', frames });
  parentPort.close();
});
parentPort.postMessage({ type: 'ready' });
pass();
`;

/** Starts the checkpoint worker for `file` (a WAL database that `sqlite` has open). Until the worker
 *  is ready, and again if it fails, SQLite checkpoints on its own as before. */
export const startCheckpointer = (sqlite: BetterSqlite3.Database, file: string, opts: CheckpointerOptions = {}): Checkpointer => {
  const intervalMs = opts.intervalMs ?? 20;
  const restartFrames = opts.restartFrames ?? 2000;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs, restartFrames } });
  worker.unref();
  let running = false;
  let closing = false;
  let failed = false;
  let workerFrames = 0;
  let restarts = 0;
  let restartFramesTotal = 0;
  const fail = (error: Error) => {
    try {
      if (running && sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_FRAMES}`);
    } catch {
      // The connection is failing too; its own errors reach the requests that use it.
    }
    running = false;
    if (closing || failed) return;
    failed = true;
    opts.onFailure?.(error);
  };
  const stopped = new Promise<void>((resolve) => {
    worker.on('exit', (code) => {
      fail(new Error(`the checkpoint worker exited with code ${code}`));
      resolve();
    });
  });
  // Errors cross the thread boundary as clones; a driver error may arrive with only its code.
  worker.on('error', (e: Partial<Error> & { code?: string }) =>
    fail(new Error(`the checkpoint worker failed: ${e.message || e.code || String(e)}`)),
  );
  const onMessage = (m: { type: string; frames?: number; log?: number }) => {
    if (m.type === 'ready') {
      if (closing || !sqlite.open) return;
      sqlite.pragma('wal_autocheckpoint = 0');
      running = true;
      return;
    }
    workerFrames = m.frames ?? workerFrames;
    // The worker has copied every frame it saw and the log is long: copy what was committed since
    // (a few frames) here, between transactions, so the next commit restarts the log.
    if (m.type === 'restart' && running && sqlite.open && !sqlite.inTransaction) {
      const r = sqlite.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      const copied = Math.max(0, (r[0]?.checkpointed ?? 0) - (m.log ?? 0));
      restarts++;
      restartFramesTotal += copied;
    }
  };
  worker.on('message', (m: { type: string; frames?: number; log?: number }) => {
    // A failing checkpoint here (disk full, I/O error) must not throw out of an event handler and
    // end the process: stop the worker and let SQLite checkpoint in its commits, where such an error
    // reaches the request that hit it.
    try {
      onMessage(m);
    } catch (e) {
      fail(new Error(`a checkpoint on the request thread failed: ${(e as Error).message}`));
      void worker.terminate();
    }
  });
  return {
    stats: () => ({ workerFrames, restarts, restartFrames: restartFramesTotal, running }),
    async close() {
      closing = true;
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2000);
      await stopped;
      clearTimeout(timeout);
    },
  };
};
