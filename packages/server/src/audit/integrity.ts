// Each chain's tail, checked without walking it: the chain's signed head row against its newest
// stored entry, and against what is kept elsewhere: the newest signed digest of every head in the
// database (audit_digests), the anchor file outside it, and the heads this server itself wrote. The
// database sink runs it at start and after a failed append (so a damaged chain is refused with
// AUDIT_CHAIN_DAMAGED and named, instead of every request failing on a key conflict), and verify runs
// it after walking the entries. ADR 0008, ADR 0011.
import { sql, type Transaction } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { StorageHandle } from '../storage/database.js';
import type { AnchorState } from './anchor.js';
import type { AuditHead } from './audit-types.js';
import { chainLabel, LEGACY_CHAIN } from './audit-types.js';
import { genesisOf, headValid, type Problem } from './chain.js';
import { digestValid, headMap, type Digest, type HeadEntry } from './digest.js';

export interface TailState {
  chain: string;
  /** The signed head row, or null when it is missing. */
  head: (AuditHead & { signature: string }) | null;
  /** The newest entry of the chain (position and hash), or null when it has none. */
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

/** readTail inside a transaction the caller holds (row-level security scope already set): one statement. */
export const readTailIn = async (trx: Transaction<Database>, chain: string): Promise<TailState> => {
  const r = (
    await sql<Row>`
    select m.max_seq, h.seq as h_seq, h.hash as h_hash, h.signature as h_sig,
      (select e.hash from audit_events e where e.chain = m.chain and e.chain_seq = m.max_seq) as last_hash,
      c.seq as cp_seq, c.hash as cp_hash
    from (select cast(${chain} as text) as chain, max(chain_seq) as max_seq from audit_events where chain = ${chain}) m
    left join audit_head h on h.chain = m.chain
    left join (select seq, hash from audit_checkpoints where chain = ${chain} order by seq desc limit 1) c on 1 = 1`.execute(trx)
  ).rows[0]!;
  const maxSeq = num(r.max_seq);
  const hSeq = num(r.h_seq);
  const cpSeq = num(r.cp_seq);
  return {
    chain,
    head: hSeq === null ? null : { seq: hSeq, hash: r.h_hash!, signature: r.h_sig ?? '' },
    last: maxSeq === null ? null : { seq: maxSeq, hash: r.last_hash! },
    checkpoint: cpSeq === null ? null : { seq: cpSeq, hash: r.cp_hash! },
  };
};

export const readTail = (storage: StorageHandle, chain: string): Promise<TailState> =>
  storage.transaction('*', (trx) => readTailIn(trx, chain));

/** The newest stored digest, or null when none was written yet. */
export const newestDigest = async (ex: StorageHandle['db'] | Transaction<Database>): Promise<Digest | null> => {
  const r = await ex.selectFrom('audit_digests').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!r) return null;
  let heads: HeadEntry[] = [];
  try {
    heads = JSON.parse(r.heads) as HeadEntry[];
  } catch {
    /* an edited row: the signature check names it */
  }
  return { format: 'keyhaven-audit-digest-v1', seq: Number(r.seq), time: r.time, hash: r.hash, heads, signature: r.signature };
};

/** The chains the database or anything kept outside it knows of. */
export const knownChains = async (storage: StorageHandle, extra: Iterable<string>, withEntries = false): Promise<string[]> => {
  const set = new Set<string>(extra);
  await storage.transaction('*', async (trx) => {
    for (const r of await trx.selectFrom('audit_head').select('chain').execute()) set.add(r.chain);
    for (const r of await trx.selectFrom('audit_checkpoints').select('chain').distinct().execute()) set.add(r.chain);
    if (withEntries) for (const r of await trx.selectFrom('audit_events').select('chain').distinct().execute()) set.add(r.chain);
  });
  return [...set].sort();
};

/** The hash stored at one position of a chain, or null when it is absent. */
export const entryHash = async (storage: StorageHandle, chain: string, seq: number): Promise<string | null> =>
  storage.transaction(
    '*',
    async (trx) =>
      (await trx.selectFrom('audit_events').select('hash').where('chain', '=', chain).where('chain_seq', '=', seq).executeTakeFirst())
        ?.hash ?? null,
  );

/** Where the chain ends as far as the database says (head row, newest entry or checkpoint). */
export const endOf = (t: TailState): number => Math.max(t.head?.seq ?? 0, t.last?.seq ?? 0, t.checkpoint?.seq ?? 0);

/** What is kept outside a chain's own rows: the stored digest, the anchor file, this server's appends. */
export interface Outside {
  digest: Digest | null;
  anchor: AnchorState;
  known: Map<string, AuditHead>;
}

/** Problems of the digests themselves: the newest is forged, or newer ones (per the anchor) are gone. */
export const digestProblems = (key: Buffer, o: Outside): Problem[] => {
  const out: Problem[] = [];
  if (o.digest && !digestValid(key, o.digest))
    out.push({
      kind: 'checkpoint_forged',
      chain: null,
      seq: o.digest.seq,
      reason: `the signed digest of every chain head (audit_digests ${o.digest.seq}) is not genuine (edited)`,
    });
  if (o.anchor.status === 'invalid') out.push({ kind: 'anchor_invalid', chain: null, seq: null, reason: o.anchor.reason });
  const seen = o.anchor.status === 'ok' ? o.anchor.digest.seq : 0;
  if (seen > (o.digest?.seq ?? 0))
    out.push({
      kind: 'checkpoint_missing',
      chain: null,
      seq: seen,
      reason: `the newest signed digest in the database is ${o.digest?.seq ?? 'none'} but the anchor file records digest ${seen}: digests were deleted (rolled back)`,
    });
  return out;
};

/**
 * Compares one chain's head, newest entry and newest checkpoint with each other and with what is kept
 * outside its rows (digest, anchor, own appends); every disagreement is a problem.
 */
export const tailProblems = async (storage: StorageHandle, key: Buffer, t: TailState, o: Outside): Promise<Problem[]> => {
  const out: Problem[] = [];
  const { chain, head, last, checkpoint } = t;
  const where = chainLabel(chain);
  const add = (kind: Problem['kind'], seq: number | null, reason: string) => out.push({ kind, chain, seq, reason: `${reason} (${where})` });
  const floor = checkpoint?.seq ?? 0; // entries up to here may have been pruned
  if (!head) {
    if (last || checkpoint)
      add('head_missing', null, `the signed head is missing while the chain holds entries up to ${endOf(t)} (deleted from audit_head)`);
  } else {
    const genesis = head.seq === 0 && head.signature === '' && head.hash === genesisOf(key, chain).hash;
    if (!genesis && !headValid(key, chain, head, head.signature))
      add('head_forged', head.seq, `the signed head (entry ${head.seq}) is not genuine (edited)`);
    // Entries before the newest checkpoint may be gone: the chain then ends at the checkpoint.
    const atCheckpoint = !last || last.seq <= floor;
    const lastSeq = atCheckpoint ? floor : last.seq;
    const lastHash = atCheckpoint ? (checkpoint?.seq === floor ? checkpoint.hash : undefined) : last.hash;
    if (lastSeq > head.seq) {
      add(
        'entries_after_head',
        head.seq + 1,
        `entries ${head.seq + 1}..${lastSeq} are not covered by the signed head (entry ${head.seq}): written outside Keyhaven`,
      );
    } else if (lastSeq < head.seq) {
      add('truncated', lastSeq + 1, `the chain ends at entry ${lastSeq} but the signed head is entry ${head.seq} (truncated)`);
    } else if (lastHash !== undefined && lastHash !== head.hash && !(atCheckpoint && last?.seq === floor && last.hash === head.hash)) {
      add(
        'head_mismatch',
        head.seq,
        atCheckpoint ? `the signed head differs from checkpoint ${floor}` : `entry ${head.seq} differs from the signed head`,
      );
    }
  }
  // Outside the database first (the anchor file, this server's own appends), then the stored digest.
  const sources: Array<{ head: AuditHead; what: string; kind: 'truncated_before_anchor' | 'truncated_before_checkpoint' }> = [];
  const fromAnchor = o.anchor.status === 'ok' ? o.anchor.heads.get(chain) : undefined;
  if (fromAnchor && o.anchor.status === 'ok')
    sources.push({ head: fromAnchor, what: `the anchor file (signed ${o.anchor.digest.time})`, kind: 'truncated_before_anchor' });
  const mine = o.known.get(chain);
  if (mine && (!fromAnchor || mine.seq > fromAnchor.seq))
    sources.push({ head: mine, what: "this server's own last append", kind: 'truncated_before_anchor' });
  const fromDigest = o.digest ? headMap(o.digest.heads).get(chain) : undefined;
  if (fromDigest && o.digest)
    sources.push({ head: fromDigest, what: `the signed digest ${o.digest.seq} (${o.digest.time})`, kind: 'truncated_before_checkpoint' });
  const end = endOf(t);
  for (const s of sources) {
    if (s.head.seq > end) {
      if (!head && !last && !checkpoint)
        add('chain_missing', 1, `the chain is gone from the database but ${s.what} records it at entry ${s.head.seq}: it was deleted`);
      else
        add(
          s.kind,
          end + 1,
          `the chain ends at entry ${end} but ${s.what} records entry ${s.head.seq}: entries ${end + 1}..${s.head.seq} were removed (truncated or rolled back)`,
        );
      break;
    }
    if (s.head.seq > floor) {
      const stored = s.head.seq === head?.seq && s.head.seq > (last?.seq ?? 0) ? head.hash : await entryHash(storage, chain, s.head.seq);
      if (stored !== null && stored !== s.head.hash) {
        add(
          'anchor_mismatch',
          s.head.seq,
          `entry ${s.head.seq} differs from the one ${s.what} records (the chain was rewritten from there)`,
        );
        break;
      }
    }
  }
  return out;
};

export { LEGACY_CHAIN };
