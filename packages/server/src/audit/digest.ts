// Signed digests of every chain head (ADR 0011): one HMAC over the sorted list of (chain, position,
// hash), so a single small record anchors every tenant's chain at once. The server writes one to
// `audit_digests` periodically (a background job), on verify and on seal; the anchor file outside the
// database and the checkpoint published with `keyhaven audit checkpoint` carry the same list.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditHead } from './audit-types.js';

/** [chain, position, hash], sorted by chain. */
export type HeadEntry = [string, number, string];

export interface Digest {
  format: 'keyhaven-audit-digest-v1';
  /** The digest's number in `audit_digests` (0 for one that was not stored, such as the anchor's own). */
  seq: number;
  time: string;
  /** SHA-256 over the canonical head list; the signature covers it. */
  hash: string;
  heads: HeadEntry[];
  signature: string;
}

export const sortHeads = (heads: Map<string, AuditHead> | HeadEntry[]): HeadEntry[] => {
  const list: HeadEntry[] = Array.isArray(heads) ? heads.map((h) => [h[0], h[1], h[2]]) : [...heads].map(([c, h]) => [c, h.seq, h.hash]);
  return list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
};

export const headsHash = (heads: HeadEntry[]): string => createHash('sha256').update(JSON.stringify(heads)).digest('hex');

const text = (seq: number, time: string, hash: string) => `digest:${seq}:${time}:${hash}`;

export const signDigest = (key: Buffer, seq: number, time: string, heads: Map<string, AuditHead> | HeadEntry[]): Digest => {
  const sorted = sortHeads(heads);
  const hash = headsHash(sorted);
  return {
    format: 'keyhaven-audit-digest-v1',
    seq,
    time,
    hash,
    heads: sorted,
    signature: createHmac('sha256', key)
      .update(text(seq, time, hash))
      .digest('hex'),
  };
};

/** Whether the digest is genuine: its head list matches its hash, and the signature this store's key made. */
export const digestValid = (key: Buffer, d: Pick<Digest, 'seq' | 'time' | 'hash' | 'heads' | 'signature'>): boolean => {
  if (!Array.isArray(d.heads) || headsHash(sortHeads(d.heads)) !== d.hash) return false;
  const want = Buffer.from(
    createHmac('sha256', key)
      .update(text(d.seq, d.time, d.hash))
      .digest('hex'),
    'hex',
  );
  const got = Buffer.from(String(d.signature), 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
};

export const headMap = (heads: HeadEntry[]): Map<string, AuditHead> => new Map(heads.map(([c, seq, hash]) => [c, { seq, hash }]));
