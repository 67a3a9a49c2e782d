// The hash chain: each entry's hash is HMAC-SHA256(audit key, previous hash + canonical event), so
// editing, reordering, deleting or truncating entries breaks it, and without the key (held behind
// the master key) nobody can recompute a forged chain.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { AuditEvent, AuditHead, ChainedEvent } from './audit-types.js';
import { GENESIS_HASH } from './audit-types.js';

const FIELDS: Array<keyof AuditEvent> = [
  'time', 'tenant', 'actor_id', 'actor_name', 'actor_kind', 'action', 'resource', 'outcome', 'status', 'error_code',
  'source_ip', 'user_agent', 'request_id', 'version', 'value_hmac', 'details',
];

const sortKeys = (v: unknown): unknown =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
    : Array.isArray(v) ? v.map(sortKeys) : v;

/** A stable serialization of the event fields (fixed order, sorted detail keys). */
export const canonical = (e: AuditEvent, seq: number): string => {
  const parts: unknown[] = [seq];
  for (const f of FIELDS) parts.push(f === 'details' ? (e.details ? sortKeys(e.details) : null) : e[f] ?? null);
  return JSON.stringify(parts);
};

export const deriveAuditKey = (fingerprintKey: Buffer): Buffer => Buffer.from(hkdfSync('sha256', fingerprintKey, Buffer.alloc(0), 'keyhaven audit chain v1', 32));

export const chainHash = (key: Buffer, prev: string, e: AuditEvent, seq: number): string =>
  createHmac('sha256', key).update(`${prev}\n${canonical(e, seq)}`).digest('hex'); // one update: same MAC, one native call

export const chainEvents = (key: Buffer, head: AuditHead, events: AuditEvent[]): { chained: ChainedEvent[]; head: AuditHead } => {
  let { seq, hash } = head;
  const chained: ChainedEvent[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    seq += 1;
    const h = chainHash(key, hash, e, seq);
    // Built field by field (not spread): one object shape for every entry, cheaper to make and read.
    chained[i] = {
      time: e.time, tenant: e.tenant, actor_id: e.actor_id, actor_name: e.actor_name, actor_kind: e.actor_kind, action: e.action,
      resource: e.resource, outcome: e.outcome, status: e.status, error_code: e.error_code, source_ip: e.source_ip, user_agent: e.user_agent,
      request_id: e.request_id, version: e.version, value_hmac: e.value_hmac, details: e.details, seq, prev_hash: hash, hash: h,
    };
    hash = h;
  }
  return { chained, head: { seq, hash } };
};

/** A signed statement of a chain position: proves the head (or a pruned point) was genuine. */
export const signCheckpoint = (key: Buffer, head: AuditHead): string =>
  createHmac('sha256', key).update(`checkpoint:${head.seq}:${head.hash}`).digest('hex');

export const checkpointValid = (key: Buffer, head: AuditHead, signature: string): boolean => {
  const want = Buffer.from(signCheckpoint(key, head), 'hex');
  const got = Buffer.from(signature, 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
};

export interface VerifyResult {
  ok: boolean;
  checked: number;
  first_seq: number | null;
  last_seq: number | null;
  broken?: { seq: number | null; reason: string };
}

/**
 * Walks entries in stored order from a trusted start (genesis or a signed checkpoint) and checks
 * every link, then that the last entry is the signed head (catches truncation).
 */
export const verifyChain = async (
  key: Buffer,
  start: AuditHead,
  entries: AsyncIterable<ChainedEvent> | Iterable<ChainedEvent>,
  signedHead: { head: AuditHead; signature: string } | null,
): Promise<VerifyResult> => {
  let prev = start;
  let checked = 0;
  let first: number | null = null;
  const fail = (seq: number | null, reason: string): VerifyResult => ({ ok: false, checked, first_seq: first, last_seq: prev.seq || null, broken: { seq, reason } });
  for await (const e of entries) {
    first ??= e.seq;
    if (e.seq !== prev.seq + 1) {
      return fail(e.seq, e.seq > prev.seq + 1 ? `entries ${prev.seq + 1}..${e.seq - 1} are missing (deleted)` : `entry ${e.seq} is out of order (reordered or duplicated)`);
    }
    if (e.prev_hash !== prev.hash) return fail(e.seq, `entry ${e.seq} does not link to entry ${prev.seq} (reordered or replaced)`);
    if (chainHash(key, prev.hash, e, e.seq) !== e.hash) return fail(e.seq, `entry ${e.seq} was modified after it was written`);
    prev = { seq: e.seq, hash: e.hash };
    checked += 1;
  }
  if (signedHead) {
    if (!checkpointValid(key, signedHead.head, signedHead.signature)) return fail(null, 'the signed head is not genuine (edited)');
    if (signedHead.head.seq > prev.seq) return fail(prev.seq + 1, `the log ends at entry ${prev.seq} but the signed head is entry ${signedHead.head.seq} (truncated)`);
    if (signedHead.head.seq < prev.seq) return fail(signedHead.head.seq + 1, `entries after ${signedHead.head.seq} are not covered by the signed head (appended outside Keyhaven)`);
    if (signedHead.head.hash !== prev.hash) return fail(prev.seq, `entry ${prev.seq} differs from the signed head`);
  }
  return { ok: true, checked, first_seq: first, last_seq: prev.seq || null };
};

export { GENESIS_HASH };
