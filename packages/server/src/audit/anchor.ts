// The audit anchor: every chain's latest head, as this server knows it, kept OUTSIDE the database (a
// small JSON file, by default next to the store) as one signed digest (ADR 0008, ADR 0011), so rolling
// one tenant's chain or the whole audit tables back, or deleting a chain, is seen as truncation. The
// digest's `seq` is the newest stored digest (`audit_digests`) seen, so deleting digests shows too.
// Written atomically (temp file, fsync, rename, fsync of the directory), coalesced: at most one write
// in flight and one per 100 ms, the newest heads last. Anchor files from before 011 (one head) are
// read as the legacy chain's head.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { AuditHead } from './audit-types.js';
import { LEGACY_CHAIN } from './audit-types.js';
import { digestValid, headMap, signDigest, type Digest } from './digest.js';

export type AnchorState =
  | { status: 'none' } // never written (a new store, or anchoring off)
  | { status: 'ok'; digest: Digest; heads: Map<string, AuditHead> }
  | { status: 'invalid'; reason: string }; // unreadable, or a signature this store's key did not make

/** The pre-011 anchor: one signed head of the single chain. */
const legacyValid = (key: Buffer, c: { seq: number; hash: string; time: string; signature: string }): boolean => {
  const want = Buffer.from(createHmac('sha256', key).update(`anchor:${c.seq}:${c.hash}:${c.time}`).digest('hex'), 'hex');
  const got = Buffer.from(String(c.signature), 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
};

export const parseAnchor = (key: Buffer, text: string): AnchorState => {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { status: 'invalid', reason: 'the anchor file is not JSON' };
  }
  const bad = { status: 'invalid', reason: 'the anchor file is not a Keyhaven audit anchor' } as const;
  const forged = {
    status: 'invalid',
    reason: "the anchor file was not signed by this store's audit key (edited, or from another store)",
  } as const;
  if (!c || typeof c !== 'object' || typeof c.time !== 'string' || typeof c.signature !== 'string') return bad;
  if (c.format === 'keyhaven-audit-checkpoint-v1') {
    if (!Number.isInteger(c.seq) || typeof c.hash !== 'string') return bad;
    const old = c as { seq: number; hash: string; time: string; signature: string };
    if (!legacyValid(key, old)) return forged;
    const heads = new Map([[LEGACY_CHAIN, { seq: old.seq, hash: old.hash }]]);
    return { status: 'ok', digest: { ...signDigest(key, 0, old.time, heads), signature: old.signature }, heads };
  }
  if (c.format !== 'keyhaven-audit-digest-v1' || !Number.isInteger(c.seq) || !Array.isArray(c.heads) || typeof c.hash !== 'string')
    return bad;
  const d = c as unknown as Digest;
  if (!d.heads.every((h) => Array.isArray(h) && typeof h[0] === 'string' && Number.isInteger(h[1]) && typeof h[2] === 'string')) return bad;
  if (!digestValid(key, d)) return forged;
  return { status: 'ok', digest: d, heads: headMap(d.heads) };
};

export interface Anchor {
  /** The anchor file, or null when anchoring is off (an in-memory database). */
  readonly file: string | null;
  read(): Promise<AnchorState>;
  /** Records a head of one chain reached by this server; returns once it (or a newer one) is on disk. */
  advance(chain: string, head: AuditHead): Promise<void>;
  /** Records the newest stored digest seen (its number goes into the anchor). */
  digestSeen(seq: number): Promise<void>;
  /** The newest head of a chain this process has appended or read, to catch a rollback while running. */
  known(chain: string): AuditHead | null;
  /** Every chain's newest known head. */
  knownAll(): Map<string, AuditHead>;
  /** The newest stored digest number seen. */
  knownDigest(): number;
  /** Replaces a chain's head even if it is behind (only after an acknowledged break). */
  reset(chain: string, head: AuditHead): Promise<void>;
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
  const known = new Map<string, AuditHead>();
  let digestSeq = 0;
  const resets = new Set<string>(); // chains whose head may move back at the next write
  let dirty = false;
  let writing: Promise<void> | null = null;

  const writeNow = async () => {
    if (!file) return;
    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Replicas sharing a data directory share the anchor: never move a chain back to an older head.
    const current = await readFile(file, 'utf8').then(
      (t) => parseAnchor(key, t),
      () => null,
    );
    if (current?.status === 'ok') {
      for (const [c, h] of current.heads) {
        const mine = known.get(c);
        if (!resets.has(c) && (!mine || h.seq > mine.seq)) known.set(c, h);
      }
      digestSeq = Math.max(digestSeq, current.digest.seq);
    }
    resets.clear();
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(signDigest(key, digestSeq, now().toISOString(), known)) + '\n');
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
        while (dirty) {
          dirty = false;
          const started = Date.now();
          try {
            await writeNow();
          } catch (e) {
            deps.onError?.(e as Error);
          }
          // Under load, at most one write (and fsync) per interval; the newest heads go next.
          const rest = minIntervalMs - (Date.now() - started);
          if (dirty && rest > 0) await new Promise((r) => setTimeout(r, rest));
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
      const state = parseAnchor(key, text);
      if (state.status === 'ok') {
        for (const [c, h] of state.heads) {
          const mine = known.get(c);
          if (!mine || h.seq > mine.seq) known.set(c, h);
        }
        digestSeq = Math.max(digestSeq, state.digest.seq);
      }
      return state;
    },
    advance(chain, head) {
      const mine = known.get(chain);
      if (mine && head.seq <= mine.seq) return writing ?? Promise.resolve();
      known.set(chain, head);
      dirty = true;
      return pump();
    },
    digestSeen(seq) {
      if (seq <= digestSeq) return writing ?? Promise.resolve();
      digestSeq = seq;
      dirty = true;
      return pump();
    },
    known: (chain) => known.get(chain) ?? null,
    knownAll: () => new Map(known),
    knownDigest: () => digestSeq,
    async reset(chain, head) {
      known.set(chain, head);
      resets.add(chain);
      dirty = true;
      await pump();
      if (dirty) await pump();
    },
    async flush() {
      while (writing) await writing;
    },
  };
};
