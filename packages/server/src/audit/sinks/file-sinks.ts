// Stream sinks: a JSON-lines file (appended and synced per batch) and standard output.
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { AuditSink, ChainedEvent } from '../audit-types.js';

const lines = (events: ChainedEvent[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

export const createFileSink = (file: string, opts: { fsync?: boolean } = {}): AuditSink => {
  let handle: Promise<FileHandle> | undefined;
  const get = () => {
    if (!handle) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      handle = open(file, 'a', 0o600);
      handle.catch(() => { handle = undefined; });
    }
    return handle;
  };
  return {
    name: 'file',
    async write(events) {
      const fh = await get();
      await fh.appendFile(lines(events));
      if (opts.fsync !== false) await fh.datasync();
    },
    async close() {
      if (handle) await (await handle).close().catch(() => {});
    },
  };
};

export const createStdoutSink = (out: NodeJS.WritableStream = process.stdout): AuditSink => ({
  name: 'stdout',
  write: (events) =>
    new Promise((resolve, reject) => {
      out.write(lines(events), (err) => (err ? reject(err) : resolve()));
    }),
});
