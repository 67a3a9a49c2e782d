// The chain's tail, checked without walking it: the signed head row against the newest stored
// entry and against the anchor kept outside the database. The database sink runs it at start and
// after a failed append (so a damaged chain is refused with AUDIT_CHAIN_DAMAGED and named, instead
// of every request failing on a key conflict), and verify runs it after walking the entries.
import { sql, type Transaction } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { StorageHandle } from '../storage/database.js';
import type { AnchorState } from './anchor.js';
import type { AuditHead } from './audit-types.js';
import { checkpointValid, type Problem } from './chain.js';

export interface TailState {
  /** The signed head row, or null when it is missing. */
  head: (AuditHead & { signature: string }) | null;
  /** The newest entry in the table (seq and hash), or null when the table is empty. */
  last: AuditHead | null;
  /** The newest retention or seal checkpoint: entries up to it may be absent. */
  checkpoint: AuditHead | null;
}

type Row = {
  max_seq: number | string | null;
  h_seq: number | string | null;
  h_hash: string | null;
  h_sig: string | null;
  last_hash: string | null;
  cp_seq: number | string | null;
  cp_hash: string | null;
};
const num = (v: number | string | null): number | null => (v === null || v === undefined ? null : Number(v));

/** Reads head, newest entry and newest checkpoint in one statement (one snapshot on PostgreSQL). */
export const readTail = (storage: StorageHandle): Promise<TailState> => storage.transaction('*', (trx) => readTailIn(trx));

/** readTail inside a transaction the caller holds (row-level security scope already set). */
export const readTailIn = async (trx: Transaction<Database>): Promise<TailState> => {
  const r = (
    await sql<Row>`
    select m.max_seq, h.seq as h_seq, h.hash as h_hash, h.signature as h_sig,
      (select e.hash from audit_events e where e.seq = m.max_seq) as last_hash,
      c.seq as cp_seq, c.hash as cp_hash
    from (select max(seq) as max_seq from audit_events) m
    left join audit_head h on h.id = 1
    left join (select seq, hash from audit_checkpoints order by seq desc limit 1) c on 1 = 1`.execute(trx)
  ).rows[0]!;
  const maxSeq = num(r.max_seq);
  const hSeq = num(r.h_seq);
  const cpSeq = num(r.cp_seq);
  return {
    head: hSeq === null ? null : { seq: hSeq, hash: r.h_hash!, signature: r.h_sig ?? '' },
    last: maxSeq === null ? null : { seq: maxSeq, hash: r.last_hash! },
    checkpoint: cpSeq === null ? null : { seq: cpSeq, hash: r.cp_hash! },
  };
};

/** The hash stored for one entry, or null when it is absent. */
export const entryHash = async (storage: StorageHandle, seq: number): Promise<string | null> =>
  storage.transaction(
    '*',
    async (trx) => (await trx.selectFrom('audit_events').select('hash').where('seq', '=', seq).executeTakeFirst())?.hash ?? null,
  );

/** Where the chain ends as far as the database says (head row or newest entry, whichever is further). */
export const endOf = (t: TailState): number => Math.max(t.head?.seq ?? 0, t.last?.seq ?? 0, t.checkpoint?.seq ?? 0);

/**
 * Compares head, newest entry, newest checkpoint and the anchor; every disagreement is a problem.
 * `known` is the newest head this process itself wrote or read (catches a rollback while running).
 */
export const tailProblems = async (
  storage: StorageHandle,
  key: Buffer,
  t: TailState,
  anchor: AnchorState,
  known: AuditHead | null = null,
): Promise<Problem[]> => {
  const out: Problem[] = [];
  const { head, last, checkpoint } = t;
  const floor = checkpoint?.seq ?? 0; // entries up to here may have been pruned
  if (!head) {
    if (last || checkpoint)
      out.push({
        kind: 'head_missing',
        seq: null,
        reason: `the signed head is missing while the log holds entries up to ${endOf(t)} (deleted from audit_head)`,
      });
  } else {
    const genesis = head.seq === 0 && head.signature === '';
    if (!genesis && !checkpointValid(key, head, head.signature))
      out.push({ kind: 'head_forged', seq: head.seq, reason: `the signed head (entry ${head.seq}) is not genuine (edited)` });
    const lastSeq = last?.seq ?? floor;
    if (lastSeq > head.seq) {
      out.push({
        kind: 'entries_after_head',
        seq: head.seq + 1,
        reason: `entries ${head.seq + 1}..${lastSeq} are not covered by the signed head (entry ${head.seq}): written outside Keyhaven`,
      });
    } else if (lastSeq < head.seq) {
      out.push({
        kind: 'truncated',
        seq: lastSeq + 1,
        reason: `the log ends at entry ${lastSeq} but the signed head is entry ${head.seq} (truncated)`,
      });
    } else if (last && last.hash !== head.hash) {
      out.push({ kind: 'head_mismatch', seq: head.seq, reason: `entry ${head.seq} differs from the signed head` });
    } else if (!last && checkpoint && checkpoint.seq === head.seq && checkpoint.hash !== head.hash) {
      out.push({ kind: 'head_mismatch', seq: head.seq, reason: `the signed head differs from checkpoint ${checkpoint.seq}` });
    }
  }
  if (anchor.status === 'invalid') out.push({ kind: 'anchor_invalid', seq: null, reason: anchor.reason });
  const outside: Array<{ head: AuditHead; what: string }> = [];
  if (anchor.status === 'ok') outside.push({ head: anchor.checkpoint, what: `the anchor file (signed ${anchor.checkpoint.time})` });
  if (known && (anchor.status !== 'ok' || known.seq > anchor.checkpoint.seq))
    outside.push({ head: known, what: "this server's own last append" });
  for (const o of outside) {
    const end = endOf(t);
    if (o.head.seq > end) {
      out.push({
        kind: 'truncated_before_anchor',
        seq: end + 1,
        reason: `the database ends at entry ${end} but ${o.what} records entry ${o.head.seq}: entries ${end + 1}..${o.head.seq} were removed (truncated or rolled back)`,
      });
      break;
    }
    if (o.head.seq > floor) {
      const stored = o.head.seq === head?.seq && o.head.seq > (last?.seq ?? 0) ? head.hash : await entryHash(storage, o.head.seq);
      if (stored !== null && stored !== o.head.hash) {
        out.push({
          kind: 'anchor_mismatch',
          seq: o.head.seq,
          reason: `entry ${o.head.seq} differs from the one ${o.what} records (the log was rewritten from there)`,
        });
        break;
      }
    }
  }
  return out;
};
