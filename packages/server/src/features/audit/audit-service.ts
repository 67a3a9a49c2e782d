// Reading the audit trail: filtered, paginated queries (per tenant, per secret), export as JSON
// lines (carrying the chain's signed checkpoints, so a tenant's export verifies on its own) or CSV,
// verification of every chain or of one tenant's (ADR 0011), signed digests of every chain head, and
// retention pruning per chain that leaves a signed checkpoint.
import type { StorageHandle } from '../../storage/database.js';
import type { AuditEvent, AuditHead, ChainedEvent } from '../../audit/audit-types.js';
import { LEGACY_CHAIN, SYSTEM_CHAIN, chainLabel } from '../../audit/audit-types.js';
import { genesisOf, headValid, problemList, signHead, walkChain, type Problem, type VerifyResult } from '../../audit/chain.js';
import { signDigest, type Digest } from '../../audit/digest.js';
import type { Anchor } from '../../audit/anchor.js';
import { digestProblems, knownChains, newestDigest, readTail, tailProblems, type Outside } from '../../audit/integrity.js';
import type { DatabaseSink } from '../../audit/sinks/database-sink.js';
import { fail } from '../../lib/errors.js';
import { fromRow } from '../../audit/sinks/database-sink.js';
import type { Clock } from '../../lib/clock.js';
import { verifyExport, type ExportCheckpoint } from './export-verify.js';

export interface AuditQuery {
  tenant?: string; // undefined = all tenants (root)
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  resource?: string;
  source_ip?: string;
  limit: number;
  /** Entries with seq below this (newest first pagination). */
  before?: number;
}

const CSV_FIELDS: Array<keyof ChainedEvent> = [
  'seq',
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
  'hash',
];
const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${(/^[=+\-@]/.test(s) ? "'" : '') + s.replace(/"/g, '""')}"` : s;
};

/** What verify found: every problem, each chain's extent, the digest, the anchor, and whether appends are refused. */
export interface ChainReport extends VerifyResult {
  code?: 'AUDIT_CHAIN_DAMAGED';
  problems: Problem[];
  more_problems: boolean;
  /** The chain's head when one chain was verified; null for all. */
  head: { seq: number; hash: string } | null;
  chains: Array<{ chain: string; checked: number; first_seq: number | null; last_seq: number | null; from_checkpoint: number | null }>;
  /** The newest signed digest of every chain head in the database. */
  digest: { seq: number; time: string; chains: number } | null;
  anchor: { status: 'ok' | 'none' | 'off' | 'invalid'; file: string | null; seq: number | null; time: string | null };
  appends: 'ok' | 'refused' | 'off';
  from_checkpoint: number | null;
  seals: Array<{ chain: string; seq: number; time: string; reason: string | null }>;
}

export const createAuditService = (deps: {
  storage: StorageHandle;
  key: Buffer;
  clock: Clock;
  anchor: Anchor;
  sink?: DatabaseSink;
  /** Whether to write a digest after an intact verify of every chain (not for an offline check). */
  digestOnVerify?: boolean;
}) => {
  const { storage, key, clock } = deps;

  const query = async (q: AuditQuery): Promise<{ items: ChainedEvent[]; next_before: number | null }> => {
    const rows = await storage.withTenant(q.tenant ?? '*', (ex) => {
      let s = ex.selectFrom('audit_events').selectAll();
      if (q.tenant !== undefined) s = s.where('tenant_id', '=', q.tenant);
      if (q.since) s = s.where('time', '>=', q.since);
      if (q.until) s = s.where('time', '<', q.until);
      if (q.actor) s = s.where((eb) => eb.or([eb('actor_id', '=', q.actor!), eb('actor_name', '=', q.actor!)]));
      if (q.action)
        s = q.action.endsWith('*')
          ? s.where('action', 'like', q.action.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%')
          : s.where('action', '=', q.action);
      if (q.outcome) s = s.where('outcome', '=', q.outcome);
      if (q.resource) s = s.where('resource', '=', q.resource);
      if (q.source_ip) s = s.where('source_ip', '=', q.source_ip);
      if (q.before) s = s.where('seq', '<', q.before);
      return s.orderBy('seq', 'desc').limit(q.limit).execute();
    });
    const items = rows.map(fromRow);
    return { items, next_before: items.length === q.limit ? items[items.length - 1]!.seq : null };
  };

  /** The signed checkpoints a chain's export starts from and ends at (retention/seal, and the head). */
  const chainCheckpoints = async (chain: string): Promise<ExportCheckpoint[]> =>
    storage.transaction('*', async (trx) => {
      const out: ExportCheckpoint[] = [];
      const cps = await trx.selectFrom('audit_checkpoints').selectAll().where('chain', '=', chain).orderBy('seq').execute();
      for (const c of cps)
        out.push({
          type: 'audit.checkpoint',
          kind: c.kind as 'prune' | 'seal',
          chain,
          seq: Number(c.seq),
          hash: c.hash,
          signature: c.signature,
        });
      const h = await trx.selectFrom('audit_head').selectAll().where('chain', '=', chain).executeTakeFirst();
      if (h && h.signature)
        out.push({ type: 'audit.checkpoint', kind: 'head', chain, seq: Number(h.seq), hash: h.hash, signature: h.signature });
      return out;
    });

  const outside = async (): Promise<Outside> => {
    // The anchor first, then the tables: an append committing in between cannot put the anchor ahead.
    const anchorState = await deps.anchor.read();
    return { anchor: anchorState, known: deps.anchor.knownAll(), digest: await newestDigest(storage.db) };
  };

  /** Walks one chain from its newest signed checkpoint (or genesis) and checks its tail. */
  const verifyChain = async (chain: string, o: Outside, add: (p: Problem) => void) => {
    const cp = await storage.db
      .selectFrom('audit_checkpoints')
      .selectAll()
      .where('chain', '=', chain)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const start: AuditHead = cp ? { seq: Number(cp.seq), hash: cp.hash } : genesisOf(key, chain);
    if (cp && !headValid(key, chain, start, cp.signature))
      add({
        kind: 'checkpoint_forged',
        chain,
        seq: Number(cp.seq),
        reason: `the ${cp.kind === 'seal' ? 'seal' : 'retention'} checkpoint at entry ${cp.seq} is not genuine (edited) (${chainLabel(chain)})`,
      });
    async function* entries() {
      let after = start.seq;
      for (;;) {
        const rows = await storage.withTenant('*', (ex) =>
          ex
            .selectFrom('audit_events')
            .selectAll()
            .where('chain', '=', chain)
            .where('chain_seq', '>', after)
            .orderBy('chain_seq')
            .limit(2000)
            .execute(),
        );
        if (rows.length === 0) return;
        for (const r of rows) yield fromRow(r);
        after = Number(rows[rows.length - 1]!.chain_seq);
      }
    }
    // Reordering is detected because rows are read by position: a moved entry fails its link.
    const walk = await walkChain(key, chain, start, entries(), add);
    const tail = await readTail(storage, chain);
    for (const p of await tailProblems(storage, key, tail, o)) add(p);
    return { walk, tail, from: cp ? Number(cp.seq) : null };
  };

  const service = {
    query,

    /** Streams matching entries oldest-first as JSON lines or CSV, page by page. An unfiltered JSON-lines
     *  export of one tenant ends with its chain's signed checkpoints, so it verifies on its own. */
    async *export(q: Omit<AuditQuery, 'limit' | 'before'>, format: 'jsonl' | 'csv'): AsyncGenerator<string> {
      if (format === 'csv') yield CSV_FIELDS.join(',') + '\n';
      const filtered = q.since || q.until || q.action || q.outcome || q.actor || q.resource;
      // The chain's signed checkpoints first, and its entries up to that head: entries appended while
      // the export streams are left for the next export, so the export ends exactly at its head.
      const cps = format === 'jsonl' && q.tenant !== undefined && !filtered ? await chainCheckpoints(q.tenant) : [];
      const head = cps.find((c) => c.kind === 'head');
      let after = 0;
      for (;;) {
        const rows = await storage.withTenant(q.tenant ?? '*', (ex) => {
          let s = ex.selectFrom('audit_events').selectAll().where('seq', '>', after);
          if (q.tenant !== undefined) s = s.where('tenant_id', '=', q.tenant);
          if (head) s = s.where((eb) => eb.or([eb('chain', '!=', head.chain), eb('chain_seq', '<=', head.seq)]));
          if (q.since) s = s.where('time', '>=', q.since);
          if (q.until) s = s.where('time', '<', q.until);
          if (q.action) s = s.where('action', '=', q.action);
          if (q.outcome) s = s.where('outcome', '=', q.outcome);
          if (q.actor) s = s.where('actor_id', '=', q.actor);
          if (q.resource) s = s.where('resource', '=', q.resource);
          return s.orderBy('seq').limit(1000).execute();
        });
        if (rows.length === 0) break;
        const events = rows.map(fromRow);
        yield events.map((e) => (format === 'csv' ? CSV_FIELDS.map((f) => csvCell(e[f])).join(',') : JSON.stringify(e))).join('\n') + '\n';
        after = events[events.length - 1]!.seq;
      }
      if (cps.length) yield cps.map((c) => JSON.stringify(c)).join('\n') + '\n';
    },

    /** Checks an exported trail of one tenant (JSON lines) with this store's key: every entry's MAC,
     *  the tenant chain's links from its checkpoint to its signed head. Names chain and position. */
    verifyExport: (text: string, tenant?: string) => verifyExport(key, text, tenant),

    /**
     * Verifies every chain (or one: `chain`) from genesis or its newest signed checkpoint (retention
     * or seal), then each tail against its signed head, the newest signed digest of every head and
     * the anchor kept outside the database. Lists every problem found (up to 50), never stops at the
     * first, and runs on a damaged chain too. One tenant's verify reads that tenant's chain only.
     */
    async verify(opts: { chain?: string } = {}): Promise<ChainReport> {
      const list = problemList();
      const o = await outside();
      const one = opts.chain !== undefined;
      if (!one) for (const p of digestProblems(key, o)) list.add(p);
      const extra = one
        ? []
        : [...(o.digest?.heads.map((h) => h[0]) ?? []), ...(o.anchor.status === 'ok' ? o.anchor.heads.keys() : []), ...o.known.keys()];
      const chains = one ? [opts.chain!] : await knownChains(storage, extra, true);
      const reports: ChainReport['chains'] = [];
      let checked = 0;
      let single: Awaited<ReturnType<typeof verifyChain>> | undefined;
      for (const chain of chains) {
        const r = await verifyChain(chain, o, list.add);
        single = r;
        checked += r.walk.checked;
        reports.push({
          chain,
          checked: r.walk.checked,
          first_seq: r.walk.first_seq,
          last_seq: r.walk.last.seq || null,
          from_checkpoint: r.from,
        });
      }
      // A consistent tail lets a refused sink append again (say, after the tables were restored).
      let refused = false;
      if (deps.sink) {
        await (one ? deps.sink.checkChain(opts.chain!) : deps.sink.check());
        refused = Boolean(one ? deps.sink.damage(opts.chain) : deps.sink.damage());
      }
      const problems = list.problems;
      const ok = problems.length === 0;
      // An intact trail is vouched for by a fresh digest of every head (and the anchor notes it).
      let digest: Digest | null = o.digest;
      if (ok && !one && deps.sink && deps.digestOnVerify !== false) digest = (await deps.sink.writeDigest().catch(() => null)) ?? digest;
      const seals = await storage.db
        .selectFrom('audit_checkpoints')
        .select(['chain', 'seq', 'created_at', 'note'])
        .where('kind', '=', 'seal')
        .$if(one, (q) => q.where('chain', '=', opts.chain!))
        .orderBy('created_at')
        .execute();
      const anchorState = o.anchor;
      return {
        ok,
        ...(ok ? {} : { code: 'AUDIT_CHAIN_DAMAGED' as const }),
        checked,
        first_seq: one ? (single?.walk.first_seq ?? null) : null,
        last_seq: one ? (single?.walk.last.seq ?? null) || null : null,
        ...(problems[0] ? { broken: { chain: problems[0].chain, seq: problems[0].seq, reason: problems[0].reason } } : {}),
        problems,
        more_problems: list.more(),
        head: one && single?.tail.head ? { seq: single.tail.head.seq, hash: single.tail.head.hash } : null,
        chains: reports,
        digest: one || !digest ? null : { seq: digest.seq, time: digest.time, chains: digest.heads.length },
        anchor:
          anchorState.status === 'ok'
            ? {
                status: 'ok',
                file: one ? null : deps.anchor.file,
                seq: one ? (anchorState.heads.get(opts.chain!)?.seq ?? null) : anchorState.digest.seq,
                time: anchorState.digest.time,
              }
            : {
                status: anchorState.status === 'none' ? (deps.anchor.file ? 'none' : 'off') : 'invalid',
                file: one ? null : deps.anchor.file,
                seq: null,
                time: null,
              },
        appends: deps.sink ? (refused ? 'refused' : 'ok') : 'off',
        from_checkpoint: one ? (single?.from ?? null) : null,
        seals: seals.map((x) => ({
          chain: x.chain,
          seq: Number(x.seq),
          time: x.created_at,
          reason: (x.note ? (JSON.parse(x.note) as { reason?: string }).reason : null) ?? null,
        })),
      };
    },

    /** A fresh signed digest of every chain head, for publishing outside Keyhaven (stored too). */
    async checkpoint(): Promise<Digest & { anchor_file: string | null; stored: boolean }> {
      const stored = deps.sink ? await deps.sink.writeDigest().catch(() => null) : null;
      if (stored) return { ...stored, anchor_file: deps.anchor.file, stored: true };
      // Not stored (a damaged chain, or no database sink): the heads as they are, signed, number 0.
      const heads = new Map<string, AuditHead>();
      for (const r of await storage.db.selectFrom('audit_head').select(['chain', 'seq', 'hash']).execute())
        heads.set(r.chain, { seq: Number(r.seq), hash: r.hash });
      return { ...signDigest(key, 0, clock.now().toISOString(), heads), anchor_file: deps.anchor.file, stored: false };
    },

    /** Acknowledges a break: each damaged chain's verification starts again after its newest known
     *  position, and the seal itself is an entry of the system chain (who, why, what verify found). */
    async seal(
      reason: string,
      actor: { id: string | null; name: string | null; kind: AuditEvent['actor_kind'] },
      requestId: string | null,
    ) {
      if (!deps.sink) throw fail('AUDIT_CHAIN_INTACT', 'The database audit sink is off: there is no chain in the database to seal.');
      const report = await service.verify();
      if (report.ok) throw fail('AUDIT_CHAIN_INTACT');
      const found = report.problems.slice(0, 20).map((p) => ({ kind: p.kind, chain: p.chain, seq: p.seq }));
      const event: AuditEvent = {
        time: clock.now().toISOString(),
        tenant: SYSTEM_CHAIN,
        actor_id: actor.id,
        actor_name: actor.name,
        actor_kind: actor.kind,
        action: 'audit.seal',
        resource: null,
        outcome: 'success',
        status: null,
        error_code: 'AUDIT_CHAIN_DAMAGED',
        source_ip: null,
        user_agent: null,
        request_id: requestId,
        version: null,
        value_hmac: null,
        details: { reason, problems: found, anchor_seq: report.anchor.seq },
      };
      const r = await deps.sink.seal(event, { reason, problems: found });
      return { sealed: true, sealed_at: r.sealed_at, seal_seq: r.seal_seq, chains: r.chains, acknowledged: report.problems };
    },

    /** Deletes entries older than the cutoff, per chain, first writing a signed checkpoint of each
     *  chain's last deleted entry. */
    async prune(olderThanDays: number) {
      const cutoff = new Date(clock.now().getTime() - olderThanDays * 86400_000).toISOString();
      return storage.transaction('*', async (trx) => {
        const lasts = await trx
          .selectFrom('audit_events')
          .select(['chain', (eb) => eb.fn.max('chain_seq').as('seq')])
          .where('time', '<', cutoff)
          .groupBy('chain')
          .execute();
        let pruned = 0;
        let newest: number | null = null;
        for (const l of lasts) {
          const seq = Number(l.seq);
          const hash = (
            await trx
              .selectFrom('audit_events')
              .select('hash')
              .where('chain', '=', l.chain)
              .where('chain_seq', '=', seq)
              .executeTakeFirstOrThrow()
          ).hash;
          const head = { seq, hash };
          const r = await trx.deleteFrom('audit_events').where('chain', '=', l.chain).where('chain_seq', '<=', seq).executeTakeFirst();
          const n = Number(r.numDeletedRows);
          pruned += n;
          await trx
            .insertInto('audit_checkpoints')
            .values({ chain: l.chain, ...head, signature: signHead(key, l.chain, head), pruned: n, created_at: clock.now().toISOString() })
            .onConflict((oc) => oc.columns(['chain', 'seq']).doNothing())
            .execute();
          newest = Math.max(newest ?? 0, seq);
        }
        // Digests older than the cutoff go too; verify compares with the newest, which is always kept.
        const newestDigest = await trx.selectFrom('audit_digests').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
        if (newestDigest) await trx.deleteFrom('audit_digests').where('time', '<', cutoff).where('seq', '<', newestDigest.seq).execute();
        return { pruned, checkpoint: newest, chains: lasts.map((l) => ({ chain: l.chain, checkpoint: Number(l.seq) })) };
      });
    },
  };
  return service;
};

export { LEGACY_CHAIN };

export type AuditService = ReturnType<typeof createAuditService>;
