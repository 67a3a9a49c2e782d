// Stream sinks: a JSON-lines file (appended and synced per batch) and standard output.
import { constants, mkdirSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { AuditSink, ChainedEvent } from '../audit-types.js';

const lines = (events: ChainedEvent[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

export const createFileSink = (file: string, opts: { fsync?: boolean } = {}): AuditSink => {
  let handle: Promise<FileHandle> | undefined;
  let fifo = false;
  const get = () => {
    if (!handle) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // A named pipe is opened without blocking: with no reader the open fails at once (ENXIO) instead
      // of holding a thread (and the shutdown) until someone reads it; a full pipe fails a write (EAGAIN).
      fifo = (() => {
        try {
          return statSync(file).isFIFO();
        } catch {
          return false;
        }
      })();
      handle = fifo ? open(file, constants.O_WRONLY | constants.O_NONBLOCK) : open(file, 'a', 0o600);
      handle.catch(() => {
        handle = undefined;
      });
    }
    return handle;
  };
  return {
    name: 'file',
    async write(events) {
      const fh = await get();
      await fh.appendFile(lines(events));
      if (opts.fsync !== false && !fifo) await fh.datasync();
    },
    async close() {
      if (!handle) return;
      const pending = handle;
      await Promise.race([pending.then((fh) => fh.close()).catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    },
  };
};

/** Bytes the stdout sink lets wait for a reader before it refuses events at once. */
const STDOUT_BACKLOG_BYTES = 4 * 1024 * 1024;

/** A write that has waited this long means nobody is reading standard output. */
const STDOUT_STALL_MS = 1000;

export const createStdoutSink = (out: NodeJS.WritableStream = process.stdout): AuditSink => {
  const waiting = new Set<number>(); // start times of writes not yet taken by the reader
  return {
    name: 'stdout',
    write: (events) =>
      new Promise((resolve, reject) => {
        // Nobody is reading (a stalled pipe): refuse at once rather than let every request wait for
        // the sink timeout and the backlog grow without bound; the other sinks still decide.
        const backlog = (out as NodeJS.WritableStream & { writableLength?: number }).writableLength ?? 0;
        const oldest = waiting.size ? Math.min(...waiting) : undefined;
        if (backlog > STDOUT_BACKLOG_BYTES || (oldest !== undefined && Date.now() - oldest > STDOUT_STALL_MS)) {
          return reject(new Error(`standard output is not being read (${backlog} bytes waiting)`));
        }
        const started = Date.now() + Math.random() / 1000; // distinct keys for writes in the same ms
        waiting.add(started);
        out.write(lines(events), (err) => {
          waiting.delete(started);
          if (err) reject(err);
          else resolve();
        });
      }),
  };
};
