// The hash chain: each entry's hash is HMAC-SHA256(audit key, previous hash + canonical event), so
// editing, reordering, deleting or truncating entries breaks it, and without the key (held behind
// the master key) nobody can recompute a forged chain.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { AuditEvent, AuditHead, ChainedEvent } from './audit-types.js';
import { GENESIS_HASH } from './audit-types.js';

const FIELDS: Array<keyof AuditEvent> = [
  'time',
  'tenant',
  'actor_id',
  'actor_name',
  'actor_kind',
  'action',
  'resource',
  'outcome',
  'status',
  'error_code',
  'source_ip',
  'user_agent',
  'request_id',
  'version',
  'value_hmac',
  'details',
];

const sortKeys = (v: unknown): unknown =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
      )
    : Array.isArray(v)
      ? v.map(sortKeys)
      : v;

/** A stable serialization of the event fields (fixed order, sorted detail keys). */
export const canonical = (e: AuditEvent, seq: number): string => {
  const parts: unknown[] = [seq];
  for (const f of FIELDS) parts.push(f === 'details' ? (e.details ? sortKeys(e.details) : null) : (e[f] ?? null));
  return JSON.stringify(parts);
};

export const deriveAuditKey = (fingerprintKey: Buffer): Buffer =>
  Buffer.from(hkdfSync('sha256', fingerprintKey, Buffer.alloc(0), 'keyhaven audit chain v1', 32));

export const chainHash = (key: Buffer, prev: string, e: AuditEvent, seq: number): string =>
  createHmac('sha256', key)
    .update(`${prev}\n${canonical(e, seq)}`)
    .digest('hex'); // one update: same MAC, one native call

export const chainEvents = (key: Buffer, head: AuditHead, events: AuditEvent[]): { chained: ChainedEvent[]; head: AuditHead } => {
  let { seq, hash } = head;
  const chained: ChainedEvent[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    seq += 1;
    const h = chainHash(key, hash, e, seq);
    // Built field by field (not spread): one object shape for every entry, cheaper to make and read.
    chained[i] = {
      time: e.time,
      tenant: e.tenant,
      actor_id: e.actor_id,
      actor_name: e.actor_name,
      actor_kind: e.actor_kind,
      action: e.action,
      resource: e.resource,
      outcome: e.outcome,
      status: e.status,
      error_code: e.error_code,
      source_ip: e.source_ip,
      user_agent: e.user_agent,
      request_id: e.request_id,
      version: e.version,
      value_hmac: e.value_hmac,
      details: e.details,
      seq,
      prev_hash: hash,
      hash: h,
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

/** One kind of damage found by verify or by the sink's own checks. */
export type ProblemKind =
  | 'entries_missing'
  | 'entry_out_of_order'
  | 'entry_unlinked'
  | 'entry_modified'
  | 'head_missing'
  | 'head_forged'
  | 'head_mismatch'
  | 'entries_after_head'
  | 'truncated'
  | 'truncated_before_anchor'
  | 'anchor_mismatch'
  | 'anchor_invalid'
  | 'checkpoint_forged';
export interface Problem {
  kind: ProblemKind;
  seq: number | null;
  reason: string;
}

export interface WalkResult {
  checked: number;
  first_seq: number | null;
  last: AuditHead;
  problems: Problem[];
  /** More problems were found than are listed. */
  more: boolean;
}

export const MAX_PROBLEMS = 50;

/**
 * Walks entries in stored order from a trusted start (genesis or a signed checkpoint) and checks
 * every link and every entry's MAC. It does not stop at the first break: after a gap or a bad link
 * it carries on from the entry it found, so every damaged place is listed (up to MAX_PROBLEMS).
 */
export const walkChain = async (
  key: Buffer,
  start: AuditHead,
  entries: AsyncIterable<ChainedEvent> | Iterable<ChainedEvent>,
): Promise<WalkResult> => {
  let prev = start;
  let checked = 0;
  let first: number | null = null;
  const problems: Problem[] = [];
  let more = false;
  const add = (p: Problem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else more = true;
  };
  for await (const e of entries) {
    first ??= e.seq;
    if (e.seq <= prev.seq) {
      add({ kind: 'entry_out_of_order', seq: e.seq, reason: `entry ${e.seq} is out of order (reordered or duplicated)` });
      continue;
    }
    if (e.seq > prev.seq + 1) {
      add({
        kind: 'entries_missing',
        seq: e.seq,
        reason:
          e.seq - 1 === prev.seq + 1
            ? `entry ${prev.seq + 1} is missing (deleted)`
            : `entries ${prev.seq + 1}..${e.seq - 1} are missing (deleted)`,
      });
      prev = { seq: e.seq - 1, hash: e.prev_hash }; // carry on from the entry found
    } else if (e.prev_hash !== prev.hash) {
      add({ kind: 'entry_unlinked', seq: e.seq, reason: `entry ${e.seq} does not link to entry ${prev.seq} (reordered or replaced)` });
    }
    if (chainHash(key, e.prev_hash, e, e.seq) !== e.hash)
      add({ kind: 'entry_modified', seq: e.seq, reason: `entry ${e.seq} was modified after it was written` });
    prev = { seq: e.seq, hash: e.hash };
    checked += 1;
  }
  return { checked, first_seq: first, last: prev, problems, more };
};

export interface VerifyResult {
  ok: boolean;
  checked: number;
  first_seq: number | null;
  last_seq: number | null;
  /** The first problem (kept for clients that read only one). */
  broken?: { seq: number | null; reason: string };
}

export { GENESIS_HASH };
