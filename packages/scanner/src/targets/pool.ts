// Worker pool fed by a stream of files: the directory walk pushes files into a bounded queue as it
// finds them (and waits when the queue is full), idle workers take batches from it, and results are
// put back in walk order at the end, so findings come out in the same order on any number of threads.
// With one thread and no time limit the scan runs in the calling thread, interleaved with the walk.
// A file whose scan throws is an `error` skip; a worker that dies mid-batch is replaced, and its
// batch is retried one file per batch so that only the file that kills a worker is reported.
//
// Per-file time limit (`fileTimeoutMs`): a rule that backtracks for minutes on one file must not
// stall the scan. JavaScript cannot interrupt synchronous code (a running RegExp) in its own thread,
// only `worker.terminate()` can stop it from outside. So when a limit is set, every file is scanned on
// a worker thread and none in the calling thread: N threads = N workers, and the calling thread only
// walks, hands out batches and watches the clock (cheap, so it hardly competes with the workers).
// Each worker marks the file it is on in a small SharedArrayBuffer (file counter, busy flag, batch,
// index); a watchdog timer reads it, and a worker that has been on the same file for longer than the
// limit is terminated and replaced, that file becomes an `error` skip with detail `timeout ...`, and
// the other files that worker held go back to the queue. Without a limit the calling thread scans
// too (N-1 workers plus this one; one thread = no worker at all, which saves starting one).
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Finding, ScanEvent, ScanProgress, SkippedFile } from '../types.js';
import { createScanner, DEFAULT_MAX_FILE_SIZE, type ScanSettings } from '../engine/scanner.js';
import { jobName, scanFileSafe, type FileJob, type FileResult } from './scan-file.js';
import { PROGRESS_BATCH, PROGRESS_BUSY, PROGRESS_INDEX, PROGRESS_SLOTS, PROGRESS_STARTED, type WorkerData } from './worker-progress.js';

export const defaultThreads = () => (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);

/** Files waiting between the walk and the workers, at most (the walk pauses at this length). */
export const DEFAULT_QUEUE_BOUND = 1024;
const MAX_BATCH = 64;
/** Batch the calling thread scans before it yields to the event loop. */
const LOCAL_BATCH = 16;
/** Small scans (up to 8 files per extra thread) stay in the calling thread or on fewer workers. */
const FILES_PER_THREAD = 8;

/** Start a worker; when the entry is TypeScript (tests, tsx), register tsx inside it. */
const startWorker = (workerData: WorkerData, entry: URL): Worker => {
  if (!entry.href.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(path.join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true, workerData });
};

const defaultEntry = () => new URL(import.meta.url.endsWith('.ts') ? './scan-worker.ts' : './scan-worker.js', import.meta.url);

export interface PoolOptions {
  threads?: number;
  onProgress?: (p: ScanProgress) => void;
  onEvent?: (e: ScanEvent) => void;
  /** Longest the queue between the walk and the workers may grow (default 1024 files). */
  queueBound?: number;
  /** Worker module (tests only: a wrapper that loads the real worker). */
  workerEntry?: URL;
  /** With N threads, the calling thread is one of the N scanners (default true: N-1 workers).
   *  Ignored (false) when `fileTimeoutMs` is set: then only workers scan. */
  scanInThread?: boolean;
  /** Longest one file may take to scan, in ms; a worker past it is terminated and the file reported as
   *  an `error` skip (detail `timeout ...`). 0 or undefined: no limit. */
  fileTimeoutMs?: number;
}

export interface PoolResult {
  findings: Finding[];
  skipped: SkippedFile[];
  files: number;
  bytes: number;
}

interface Queued {
  index: number;
  job: FileJob;
}

/** Collects per-file results by walk index and flattens them in walk order. */
const collector = () => {
  const found: Array<[number, Finding[]]> = [];
  const skipped: Array<[number, SkippedFile]> = [];
  let bytes = 0;
  return {
    add(index: number, r: FileResult) {
      if (r.findings.length) found.push([index, r.findings]);
      if (r.skipped) skipped.push([index, r.skipped]);
      bytes += r.bytes;
    },
    get bytes() {
      return bytes;
    },
    result(files: number): PoolResult {
      found.sort((a, b) => a[0] - b[0]);
      skipped.sort((a, b) => a[0] - b[0]);
      return { findings: found.flatMap((x) => x[1]), skipped: skipped.map((x) => x[1]), files, bytes };
    },
  };
};

export const runFileStream = async (
  source: AsyncIterable<FileJob>,
  settings: ScanSettings,
  opts: PoolOptions = {},
): Promise<PoolResult> => {
  const t0 = performance.now();
  const bound = Math.max(1, opts.queueBound ?? DEFAULT_QUEUE_BOUND);
  const emit = opts.onEvent ?? (() => undefined);
  const out = collector();
  let listed = 0;
  let done = 0;
  let walkDone = false;
  const tick = () =>
    opts.onProgress?.({
      filesDone: done,
      filesTotal: listed,
      bytesDone: out.bytes,
      bytesTotal: walkDone && done === listed ? out.bytes : 0,
      walkDone,
      elapsedMs: Math.round(performance.now() - t0),
    });
  const it = source[Symbol.asyncIterator]();
  const next = async (): Promise<Queued | undefined> => {
    const r = await it.next();
    if (r.done) {
      walkDone = true;
      emit({ type: 'walk-done', files: listed });
      return undefined;
    }
    const q = { index: listed++, job: r.value };
    emit({ type: 'listed', file: q.job.rel, index: q.index });
    return q;
  };
  const finish = (q: Queued, r: FileResult) => {
    out.add(q.index, r);
    done++;
    emit({ type: 'scanned', file: q.job.rel, index: q.index });
  };

  // Look ahead a few files to decide how many threads a small scan deserves.
  const requested = Math.max(1, opts.threads ?? defaultThreads());
  const head: Queued[] = [];
  const lookahead = requested > 1 ? FILES_PER_THREAD * (requested - 1) + 1 : 0;
  while (head.length < lookahead) {
    const q = await next();
    if (!q) break;
    head.push(q);
  }
  const threads = walkDone ? Math.max(1, Math.min(requested, Math.ceil(head.length / FILES_PER_THREAD))) : requested;
  const pull = async (): Promise<Queued | undefined> => head.shift() ?? (walkDone ? undefined : next());
  const maxSize = settings.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const timeoutMs = opts.fileTimeoutMs !== undefined && opts.fileTimeoutMs > 0 ? opts.fileTimeoutMs : undefined;

  if (threads === 1 && !timeoutMs) {
    const scanner = createScanner(settings);
    for (let q = await pull(); q; q = await pull()) {
      finish(q, await scanFileSafe(scanner, q.job, maxSize));
      tick();
    }
    tick();
    return out.result(listed);
  }

  const entry = opts.workerEntry ?? defaultEntry();
  const pending: Queued[] = [];
  const retry: Queued[] = [];
  // Each worker holds up to two batches, so it never waits for the main thread between batches; a
  // retried file travels alone to a worker holding nothing else, so a crash names exactly one file.
  interface Batch {
    id: number;
    jobs: Queued[];
    isolated: boolean;
  }
  interface Slot {
    w: Worker;
    batches: Batch[];
    lastError?: Error;
    progress: Int32Array;
    /** Started-files counter as last read by the watchdog, and when it was first read at that value. */
    seen: number;
    seenAt: number;
    /** Terminated by the watchdog: takes no work; replaced when its exit arrives. */
    stopping: boolean;
  }
  const slots: Slot[] = [];
  let closing = false;
  let crashesInARow = 0;
  let batchId = 0;
  let wakeWalk: (() => void) | undefined;
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  const allDone = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const queueEvent = () => emit({ type: 'queue', length: pending.length, bound });
  const IN_FLIGHT = 2;

  const dispatch = () => {
    if (closing) return;
    for (let round = 0; round < IN_FLIGHT; round++) {
      for (const s of slots) {
        if (s.stopping || s.batches.length > round || s.batches.some((b) => b.isolated)) continue;
        let jobs: Queued[];
        let isolated = false;
        if (retry.length && !s.batches.length) {
          jobs = [retry.shift()!];
          isolated = true;
        } else if (pending.length && !retry.length) {
          // Whole batches while the walk runs ahead; smaller ones at the end to balance the tail.
          const n = walkDone
            ? Math.min(MAX_BATCH, Math.max(1, Math.ceil(pending.length / (threads * 2))))
            : Math.min(MAX_BATCH, pending.length);
          jobs = pending.splice(0, n);
          queueEvent();
        } else continue;
        const b = { id: batchId++, jobs, isolated };
        s.batches.push(b);
        s.w.postMessage({ id: b.id, jobs: jobs.map((q) => q.job) });
      }
    }
    if (wakeWalk && pending.length < bound) {
      const w = wakeWalk;
      wakeWalk = undefined;
      w();
    }
    if (wakeLocal && (pending.length || walkDone)) {
      const w = wakeLocal;
      wakeLocal = undefined;
      w();
    }
    if (walkDone && !pending.length && !retry.length && !localBusy && slots.every((s) => !s.batches.length)) settle.resolve();
  };

  const spawn = (slot?: Slot): Slot => {
    const s: Slot = slot ?? {
      w: undefined as unknown as Worker,
      batches: [],
      progress: new Int32Array(0),
      seen: 0,
      seenAt: 0,
      stopping: false,
    };
    s.progress = new Int32Array(new SharedArrayBuffer(PROGRESS_SLOTS * Int32Array.BYTES_PER_ELEMENT));
    s.seen = 0;
    s.seenAt = performance.now();
    s.stopping = false;
    s.w = startWorker({ settings, progress: timeoutMs ? s.progress : undefined }, entry);
    s.batches = [];
    s.w.on('message', (msg: { id: number; results: FileResult[] }) => {
      const i = s.batches.findIndex((b) => b.id === msg.id);
      if (i < 0) return;
      const [b] = s.batches.splice(i, 1);
      crashesInARow = 0;
      b.jobs.forEach((q, n) => finish(q, msg.results[n]));
      tick();
      dispatch();
    });
    s.w.on('error', (e) => {
      s.lastError = e;
    });
    s.w.on('exit', (code) => {
      if (closing) return;
      if (s.stopping) {
        // Terminated by the watchdog: its files were already handed back; not a crash.
        spawn(s);
        dispatch();
        return;
      }
      const lost = s.batches;
      const reason = s.lastError ? s.lastError.name : `exit code ${code}`;
      crashesInARow++;
      if (crashesInARow > threads + 2) {
        settle.reject(new Error(`scan worker failed ${crashesInARow} times in a row: ${s.lastError?.message ?? reason}`));
        return;
      }
      for (const b of lost) {
        if (b.isolated)
          finish(b.jobs[0], {
            findings: [],
            skipped: { file: jobName(b.jobs[0].job), reason: 'error', detail: `worker crashed (${reason})` },
            bytes: 0,
          });
        else retry.push(...b.jobs);
      }
      emit({ type: 'worker-restart', reason });
      s.lastError = undefined;
      spawn(s);
      dispatch();
    });
    return s;
  };
  // The calling thread scans too (it has the rules loaded already), in small batches between walk
  // steps and worker messages; N threads = N-1 workers plus this one, unless told otherwise.
  const inThread = opts.scanInThread !== false && !timeoutMs;
  const workers = inThread ? threads - 1 : threads;
  for (let i = 0; i < workers; i++) slots.push(spawn());
  let localBusy = false;
  let wakeLocal: (() => void) | undefined;
  const local = async () => {
    const scanner = createScanner(settings);
    for (;;) {
      if (closing) return;
      if (!pending.length) {
        if (walkDone) return;
        await new Promise<void>((r) => (wakeLocal = r));
        continue;
      }
      localBusy = true;
      const jobs = pending.splice(0, Math.min(LOCAL_BATCH, pending.length));
      queueEvent();
      dispatch();
      for (const q of jobs) finish(q, await scanFileSafe(scanner, q.job, maxSize));
      localBusy = false;
      tick();
      dispatch();
      await new Promise<void>((r) => setImmediate(r)); // let the walk and worker messages run
    }
  };

  const walk = async () => {
    for (let q = await pull(); q; q = await pull()) {
      pending.push(q);
      queueEvent();
      dispatch();
      if (pending.length >= bound && !closing) await new Promise<void>((r) => (wakeWalk = r));
      if (closing) return;
    }
    dispatch();
  };
  // The watchdog (only with a time limit): a worker busy on the same file for longer than the limit
  // is terminated; the file is reported, the worker's other files go back to the front of the queue.
  const watch = () => {
    const now = performance.now();
    for (const s of slots) {
      if (s.stopping) continue;
      const started = Atomics.load(s.progress, PROGRESS_STARTED);
      if (started !== s.seen) {
        s.seen = started;
        s.seenAt = now;
        continue;
      }
      if (Atomics.load(s.progress, PROGRESS_BUSY) !== 1 || now - s.seenAt <= timeoutMs!) continue;
      const b = s.batches.find((x) => x.id === Atomics.load(s.progress, PROGRESS_BATCH));
      const stuck = b?.jobs[Atomics.load(s.progress, PROGRESS_INDEX)];
      if (!stuck) continue;
      s.stopping = true;
      const back = s.batches.flatMap((x) => x.jobs).filter((q) => q !== stuck);
      s.batches = [];
      finish(stuck, {
        findings: [],
        skipped: { file: jobName(stuck.job), reason: 'error', detail: `timeout (scan took longer than ${timeoutMs} ms)` },
        bytes: 0,
      });
      pending.unshift(...back);
      emit({ type: 'worker-restart', reason: 'timeout' });
      void s.w.terminate();
      tick();
    }
    dispatch();
  };
  const watchdog = timeoutMs ? setInterval(watch, Math.min(1000, Math.max(10, Math.floor(timeoutMs / 4)))) : undefined;
  try {
    const fail = (e: unknown) => {
      settle.reject(e as Error);
    };
    await Promise.all([walk().catch(fail), inThread ? local().catch(fail) : undefined, allDone]);
  } finally {
    closing = true;
    if (watchdog) clearInterval(watchdog);
    wakeWalk?.();
    wakeLocal?.();
    await Promise.all(slots.map((s) => s.w.terminate()));
  }
  tick();
  return out.result(listed);
};

/** A fixed list of files (kept for callers that already hold the list). */
export const runFileJobs = async (jobs: FileJob[], settings: ScanSettings, opts: PoolOptions = {}): Promise<PoolResult> => {
  async function* list() {
    yield* jobs;
  }
  return runFileStream(list(), settings, opts);
};
