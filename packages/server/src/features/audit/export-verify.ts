// Verifies an exported audit trail (JSON lines from `keyhaven audit export` / GET /v1/audit/export)
// on its own, with the store's audit key: every entry's MAC; for each tenant or system chain the links
// from genesis (or the export's retention/seal checkpoint) to the chain's signed head, which the export
// carries as its last lines. Entries of the legacy chain (before 011, one chain shared by every
// tenant) can only be checked one by one: their neighbours belong to other tenants.
import type { AuditHead, ChainedEvent } from '../../audit/audit-types.js';
import { LEGACY_CHAIN, chainLabel } from '../../audit/audit-types.js';
import { chainHash, genesisOf, headValid, problemList, walkChain, type Problem } from '../../audit/chain.js';

export interface ExportCheckpoint {
  type: 'audit.checkpoint';
  kind: 'prune' | 'seal' | 'head';
  chain: string;
  seq: number;
  hash: string;
  signature: string;
}

export interface ExportReport {
  ok: boolean;
  code?: 'AUDIT_CHAIN_DAMAGED';
  checked: number;
  chains: Array<{ chain: string; checked: number; first_seq: number | null; last_seq: number | null; head: number | null }>;
  legacy_entries: number;
  problems: Problem[];
  more_problems: boolean;
}

export const verifyExport = async (key: Buffer, text: string, tenant?: string): Promise<ExportReport> => {
  const list = problemList();
  const byChain = new Map<string, ChainedEvent[]>();
  const checkpoints = new Map<string, ExportCheckpoint[]>();
  let legacy = 0;
  let line = 0;
  for (const raw of text.split('\n')) {
    line += 1;
    if (!raw.trim()) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      list.add({ kind: 'entry_modified', chain: null, seq: null, reason: `line ${line} is not JSON (the export was edited or cut)` });
      continue;
    }
    if (rec.type === 'audit.checkpoint') {
      const c = rec as unknown as ExportCheckpoint;
      (checkpoints.get(c.chain) ?? checkpoints.set(c.chain, []).get(c.chain)!).push(c);
      continue;
    }
    const e = rec as unknown as ChainedEvent;
    if (typeof e.chain !== 'string' || !Number.isInteger(e.chain_seq)) {
      list.add({ kind: 'entry_modified', chain: null, seq: null, reason: `line ${line} is not an audit entry of a chained export` });
      continue;
    }
    if (tenant !== undefined && e.tenant !== tenant) {
      list.add({ kind: 'entry_moved', chain: e.chain, seq: e.chain_seq, reason: `line ${line} is an entry of another tenant` });
      continue;
    }
    (byChain.get(e.chain) ?? byChain.set(e.chain, []).get(e.chain)!).push(e);
  }
  const chains: ExportReport['chains'] = [];
  let checked = 0;
  for (const [chain, entries] of byChain) {
    if (chain === LEGACY_CHAIN) {
      for (const e of entries) {
        if (chainHash(key, e.prev_hash, e, e.chain_seq) !== e.hash)
          list.add({
            kind: 'entry_modified',
            chain,
            seq: e.chain_seq,
            reason: `entry ${e.chain_seq} was modified after it was written (${chainLabel(chain)})`,
          });
        legacy += 1;
      }
      continue;
    }
    const cps = checkpoints.get(chain) ?? [];
    for (const c of cps)
      if (!headValid(key, chain, c, c.signature))
        list.add({
          kind: 'checkpoint_forged',
          chain,
          seq: c.seq,
          reason: `the export's ${c.kind} checkpoint at entry ${c.seq} is not genuine (${chainLabel(chain)})`,
        });
    entries.sort((a, b) => a.chain_seq - b.chain_seq);
    const firstAt = entries[0]?.chain_seq ?? 0;
    // Start from the newest retention/seal checkpoint at or before the first entry, or genesis.
    const base = cps.filter((c) => c.kind !== 'head' && c.seq < firstAt).sort((a, b) => b.seq - a.seq)[0];
    const start: AuditHead = base ? { seq: base.seq, hash: base.hash } : genesisOf(key, chain);
    const walk = await walkChain(key, chain, start, entries, list.add);
    checked += walk.checked;
    const head = cps.filter((c) => c.kind === 'head').sort((a, b) => b.seq - a.seq)[0];
    if (!head)
      list.add({
        kind: 'head_missing',
        chain,
        seq: null,
        reason: `the export carries no signed head for ${chainLabel(chain)}: its end cannot be checked`,
      });
    else if (walk.last.seq < head.seq)
      list.add({
        kind: 'truncated',
        chain,
        seq: walk.last.seq + 1,
        reason: `the export ends at entry ${walk.last.seq} but its signed head is entry ${head.seq} (entries removed from the export) (${chainLabel(chain)})`,
      });
    else if (walk.last.seq > head.seq)
      list.add({
        kind: 'entries_after_head',
        chain,
        seq: head.seq + 1,
        reason: `entries after the signed head ${head.seq} (${chainLabel(chain)})`,
      });
    else if (walk.last.hash !== head.hash)
      list.add({
        kind: 'head_mismatch',
        chain,
        seq: head.seq,
        reason: `entry ${head.seq} differs from the signed head (${chainLabel(chain)})`,
      });
    chains.push({ chain, checked: walk.checked, first_seq: walk.first_seq, last_seq: walk.last.seq || null, head: head?.seq ?? null });
  }
  // A chain whose signed head is in the export but none of its entries: they were removed.
  for (const [chain, cps] of checkpoints) {
    if (byChain.has(chain)) continue;
    const head = cps.filter((c) => c.kind === 'head').sort((a, b) => b.seq - a.seq)[0];
    const floor = Math.max(0, ...cps.filter((c) => c.kind !== 'head').map((c) => c.seq));
    if (head && head.seq > floor)
      list.add({
        kind: 'truncated',
        chain,
        seq: floor + 1,
        reason: `the export holds no entry of ${chainLabel(chain)} but its signed head is entry ${head.seq}`,
      });
  }
  const ok = list.problems.length === 0;
  return {
    ok,
    ...(ok ? {} : { code: 'AUDIT_CHAIN_DAMAGED' as const }),
    checked,
    chains,
    legacy_entries: legacy,
    problems: list.problems,
    more_problems: list.more(),
  };
};
