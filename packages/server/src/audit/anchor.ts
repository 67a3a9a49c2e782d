// The audit anchor: the chain's latest signed head kept OUTSIDE the database (a small JSON file,
// by default next to the store), so rolling the audit tables back to an earlier state, or emptying
// them, is seen as truncation (ADR 0008). Written atomically (temp file, fsync, rename, fsync of the
// directory), coalesced: at most one write in flight and one per 100 ms, the newest head last.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { AuditHead } from './audit-types.js';

/** A signed statement "the chain had reached entry `seq` with hash `hash` at `time`". */
export interface Checkpoint {
  format: 'keyhaven-audit-checkpoint-v1';
  seq: number;
  hash: string;
  time: string;
  signature: string;
}

export type AnchorState =
  | { status: 'none' } // never written (a new store, or anchoring off)
  | { status: 'ok'; checkpoint: Checkpoint }
  | { status: 'invalid'; reason: string }; // unreadable, or a signature this store's key did not make

const signText = (seq: number, hash: string, time: string) => `anchor:${seq}:${hash}:${time}`;

export const signAnchor = (key: Buffer, head: AuditHead, time: string): Checkpoint => ({
  format: 'keyhaven-audit-checkpoint-v1',
  seq: head.seq,
  hash: head.hash,
  time,
  signature: createHmac('sha256', key)
    .update(signText(head.seq, head.hash, time))
    .digest('hex'),
});

export const anchorValid = (key: Buffer, c: Checkpoint): boolean => {
  const want = Buffer.from(
    createHmac('sha256', key)
      .update(signText(c.seq, c.hash, c.time))
      .digest('hex'),
    'hex',
  );
  const got = Buffer.from(String(c.signature), 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
};

export const parseCheckpoint = (key: Buffer, text: string): AnchorState => {
  let c: Checkpoint;
  try {
    c = JSON.parse(text) as Checkpoint;
  } catch {
    return { status: 'invalid', reason: 'the anchor file is not JSON' };
  }
  if (
    !c ||
    c.format !== 'keyhaven-audit-checkpoint-v1' ||
    !Number.isInteger(c.seq) ||
    c.seq < 0 ||
    typeof c.hash !== 'string' ||
    typeof c.time !== 'string' ||
    typeof c.signature !== 'string'
  ) {
    return { status: 'invalid', reason: 'the anchor file is not a Keyhaven audit checkpoint' };
  }
  if (!anchorValid(key, c))
    return { status: 'invalid', reason: "the anchor file was not signed by this store's audit key (edited, or from another store)" };
  return { status: 'ok', checkpoint: c };
};

export interface Anchor {
  /** The anchor file, or null when anchoring is off (an in-memory database). */
  readonly file: string | null;
  read(): Promise<AnchorState>;
  /** Records a head reached by this server; returns once it (or a newer head) is on disk. */
  advance(head: AuditHead): Promise<void>;
  /** The newest head this process has anchored or read, to catch a rollback while running. */
  known(): AuditHead | null;
  /** Replaces the anchor with this head even if it is behind (only after an acknowledged break). */
  reset(head: AuditHead): Promise<void>;
  flush(): Promise<void>;
}

export const createAnchor = (deps: {
  file: string | null;
  key: Buffer;
  now?: () => Date;
  onError?: (e: Error) => void;
  minIntervalMs?: number;
}): Anchor => {
  const { file, key } = deps;
  const minIntervalMs = deps.minIntervalMs ?? 100;
  const now = deps.now ?? (() => new Date());
  let known: AuditHead | null = null;
  let wanted: AuditHead | null = null; // newest head not yet on disk
  let writing: Promise<void> | null = null;

  const writeNow = async (head: AuditHead) => {
    if (!file) return;
    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Replicas sharing a data directory share the anchor: never move it back to an older head.
    const current = await readFile(file, 'utf8').then(
      (t) => parseCheckpoint(key, t),
      () => null,
    );
    if (current?.status === 'ok' && current.checkpoint.seq >= head.seq) return;
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(signAnchor(key, head, now().toISOString())) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    try {
      const d = await open(dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    } catch {
      /* some file systems cannot fsync a directory */
    }
  };

  const pump = (): Promise<void> => {
    if (writing) return writing;
    writing = (async () => {
      try {
        while (wanted) {
          const head = wanted;
          wanted = null;
          const started = Date.now();
          try {
            await writeNow(head);
          } catch (e) {
            deps.onError?.(e as Error);
          }
          // Under load, at most one write (and fsync) per interval; the newest head goes next.
          const rest = minIntervalMs - (Date.now() - started);
          if (wanted && rest > 0) await new Promise((r) => setTimeout(r, rest));
        }
      } finally {
        writing = null;
      }
    })();
    return writing;
  };

  return {
    file,
    async read() {
      if (!file) return { status: 'none' };
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'none' };
        return { status: 'invalid', reason: `the anchor file cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
      }
      const state = parseCheckpoint(key, text);
      if (state.status === 'ok' && (!known || state.checkpoint.seq > known.seq))
        known = { seq: state.checkpoint.seq, hash: state.checkpoint.hash };
      return state;
    },
    advance(head) {
      if (known && head.seq <= known.seq) return writing ?? Promise.resolve();
      known = head;
      wanted = head;
      return pump();
    },
    known: () => known,
    async reset(head) {
      known = head;
      wanted = head;
      await pump();
      if (wanted) await pump();
    },
    async flush() {
      while (writing) await writing;
    },
  };
};
