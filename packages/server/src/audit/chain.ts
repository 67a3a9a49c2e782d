// The hash chain: each entry's hash is HMAC-SHA256(audit key, previous hash + canonical event), so
// editing, reordering, deleting or truncating entries breaks it, and without the key (held behind
// the master key) nobody can recompute a forged chain.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { AuditEvent, AuditHead, ChainedEvent } from './audit-types.js';
import { GENESIS_HASH, LEGACY_CHAIN, chainLabel } from './audit-types.js';

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

/** Chains a batch of one chain from its head; `seq` (global order) is assigned when stored. */
export const chainEvents = (
  key: Buffer,
  chain: string,
  head: AuditHead,
  events: AuditEvent[],
): { chained: ChainedEvent[]; head: AuditHead } => {
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
      seq: 0,
      chain,
      chain_seq: seq,
      prev_hash: hash,
      hash: h,
    };
    hash = h;
  }
  return { chained, head: { seq, hash } };
};

/** Where a chain starts: a hash bound to the chain's name, so a chain cannot be passed off as another.
 *  The legacy chain (before 011) started from the all-zero hash. */
export const genesisOf = (key: Buffer, chain: string): AuditHead => ({
  seq: 0,
  hash: chain === LEGACY_CHAIN ? GENESIS_HASH : createHmac('sha256', key).update(`genesis:${chain}`).digest('hex'),
});

const eq = (a: string, b: string) => {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
};

/** A chain's signed head or checkpoint, bound to the chain (the legacy chain keeps its old signatures). */
export const signHead = (key: Buffer, chain: string, head: AuditHead): string =>
  chain === LEGACY_CHAIN
    ? signCheckpoint(key, head)
    : createHmac('sha256', key).update(`head:${chain}:${head.seq}:${head.hash}`).digest('hex');
export const headValid = (key: Buffer, chain: string, head: AuditHead, signature: string): boolean =>
  eq(signHead(key, chain, head), String(signature));

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
  | 'checkpoint_forged'
  | 'checkpoint_missing'
  | 'truncated_before_checkpoint'
  | 'chain_missing'
  | 'entry_moved';
export interface Problem {
  kind: ProblemKind;
  /** The chain (a tenant id, '' for system events, '~legacy'); null for the digests themselves. */
  chain: string | null;
  /** The position in the chain. */
  seq: number | null;
  reason: string;
}

export interface WalkResult {
  checked: number;
  first_seq: number | null;
  last: AuditHead;
}

export const MAX_PROBLEMS = 50;

/**
 * Walks one chain's entries in chain order from a trusted start (its genesis or a signed checkpoint)
 * and checks every link and every entry's MAC. It does not stop at the first break: after a gap or a
 * bad link it carries on from the entry it found, so every damaged place is listed (up to MAX_PROBLEMS).
 */
export const walkChain = async (
  key: Buffer,
  chain: string,
  start: AuditHead,
  entries: AsyncIterable<ChainedEvent> | Iterable<ChainedEvent>,
  add: (p: Problem) => void,
): Promise<WalkResult> => {
  let prev = start;
  let prevGlobal = 0;
  let checked = 0;
  let first: number | null = null;
  const where = chainLabel(chain);
  const problem = (kind: ProblemKind, seq: number, reason: string) => add({ kind, chain, seq, reason: `${reason} (${where})` });
  for await (const e of entries) {
    const at = e.chain_seq;
    first ??= at;
    if (at <= prev.seq) {
      problem('entry_out_of_order', at, `entry ${at} is out of order (reordered or duplicated)`);
      continue;
    }
    if (at > prev.seq + 1) {
      problem(
        'entries_missing',
        at,
        at - 1 === prev.seq + 1 ? `entry ${prev.seq + 1} is missing (deleted)` : `entries ${prev.seq + 1}..${at - 1} are missing (deleted)`,
      );
      prev = { seq: at - 1, hash: e.prev_hash }; // carry on from the entry found
    } else if (e.prev_hash !== prev.hash) {
      problem('entry_unlinked', at, `entry ${at} does not link to entry ${prev.seq} (reordered or replaced)`);
    }
    if (chainHash(key, e.prev_hash, e, at) !== e.hash) problem('entry_modified', at, `entry ${at} was modified after it was written`);
    else if (chain !== LEGACY_CHAIN && e.tenant !== chain)
      problem('entry_moved', at, `entry ${at} belongs to ${chainLabel(e.tenant)} (moved between chains)`);
    // The global order must follow the chain's (the MAC covers the position in the chain only).
    if (e.seq <= prevGlobal) problem('entry_out_of_order', at, `entry ${at} was renumbered out of order (global sequence ${e.seq})`);
    prevGlobal = e.seq;
    prev = { seq: at, hash: e.hash };
    checked += 1;
  }
  return { checked, first_seq: first, last: prev };
};

/** Collects problems up to MAX_PROBLEMS and remembers that there were more. */
export const problemList = () => {
  const problems: Problem[] = [];
  let more = false;
  return {
    problems,
    more: () => more,
    add(p: Problem) {
      if (problems.length < MAX_PROBLEMS) problems.push(p);
      else more = true;
    },
  };
};

export interface VerifyResult {
  ok: boolean;
  checked: number;
  first_seq: number | null;
  last_seq: number | null;
  /** The first problem (kept for clients that read only one). */
  broken?: { chain: string | null; seq: number | null; reason: string };
}

export { GENESIS_HASH };
