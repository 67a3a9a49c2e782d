// Reading the audit trail: filtered, paginated queries (per tenant, per secret), export as JSON
// lines or CSV, chain verification, and retention pruning that leaves a signed checkpoint.
import type { StorageHandle } from '../../storage/database.js';
import type { ChainedEvent } from '../../audit/audit-types.js';
import { GENESIS_HASH } from '../../audit/audit-types.js';
import type { AuditEvent } from '../../audit/audit-types.js';
import { checkpointValid, signCheckpoint, walkChain, type Problem, type VerifyResult } from '../../audit/chain.js';
import { signAnchor, type Anchor, type Checkpoint } from '../../audit/anchor.js';
import { readTail, tailProblems } from '../../audit/integrity.js';
import type { DatabaseSink } from '../../audit/sinks/database-sink.js';
import { fail } from '../../lib/errors.js';
import { fromRow } from '../../audit/sinks/database-sink.js';
import type { Clock } from '../../lib/clock.js';

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

/** What verify found: every problem, the head, the anchor, and whether appends are refused. */
export interface ChainReport extends VerifyResult {
  code?: 'AUDIT_CHAIN_DAMAGED';
  problems: Problem[];
  more_problems: boolean;
  head: { seq: number; hash: string } | null;
  anchor: { status: 'ok' | 'none' | 'off' | 'invalid'; file: string | null; seq: number | null; time: string | null };
  appends: 'ok' | 'refused' | 'off';
  from_checkpoint: number | null;
  seals: Array<{ seq: number; time: string; reason: string | null }>;
}

export const createAuditService = (deps: { storage: StorageHandle; key: Buffer; clock: Clock; anchor: Anchor; sink?: DatabaseSink }) => {
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

  const service = {
    query,

    /** Streams matching entries oldest-first as JSON lines or CSV, page by page. */
    async *export(q: Omit<AuditQuery, 'limit' | 'before'>, format: 'jsonl' | 'csv'): AsyncGenerator<string> {
      if (format === 'csv') yield CSV_FIELDS.join(',') + '\n';
      let after = 0;
      for (;;) {
        const rows = await storage.withTenant(q.tenant ?? '*', (ex) => {
          let s = ex.selectFrom('audit_events').selectAll().where('seq', '>', after);
          if (q.tenant !== undefined) s = s.where('tenant_id', '=', q.tenant);
          if (q.since) s = s.where('time', '>=', q.since);
          if (q.until) s = s.where('time', '<', q.until);
          if (q.action) s = s.where('action', '=', q.action);
          if (q.outcome) s = s.where('outcome', '=', q.outcome);
          if (q.actor) s = s.where('actor_id', '=', q.actor);
          if (q.resource) s = s.where('resource', '=', q.resource);
          return s.orderBy('seq').limit(1000).execute();
        });
        if (rows.length === 0) return;
        const events = rows.map(fromRow);
        yield events.map((e) => (format === 'csv' ? CSV_FIELDS.map((f) => csvCell(e[f])).join(',') : JSON.stringify(e))).join('\n') + '\n';
        after = events[events.length - 1]!.seq;
      }
    },

    /**
     * Verifies the stored chain from genesis or the newest signed checkpoint (retention or seal),
     * then its tail against the signed head and the anchor kept outside the database. Lists every
     * problem found (up to 50), never stops at the first, and runs on a damaged chain too.
     */
    async verify(): Promise<ChainReport> {
      const cp = await storage.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const start = cp ? { seq: Number(cp.seq), hash: cp.hash } : { seq: 0, hash: GENESIS_HASH };
      const problems: Problem[] = [];
      if (cp && !checkpointValid(key, start, cp.signature)) {
        problems.push({
          kind: 'checkpoint_forged',
          seq: Number(cp.seq),
          reason: `the ${cp.kind === 'seal' ? 'seal' : 'retention'} checkpoint at entry ${cp.seq} is not genuine (edited)`,
        });
      }
      async function* entries() {
        let after = start.seq;
        for (;;) {
          const rows = await storage.withTenant('*', (ex) =>
            ex.selectFrom('audit_events').selectAll().where('seq', '>', after).orderBy('seq').limit(2000).execute(),
          );
          if (rows.length === 0) return;
          for (const r of rows) yield fromRow(r);
          after = Number(rows[rows.length - 1]!.seq);
        }
      }
      // Reordering is detected because rows are read by seq: a moved entry fails its link.
      const walk = await walkChain(key, start, entries());
      problems.push(...walk.problems);
      // The anchor first, then the tables: an append committing in between cannot put the anchor ahead.
      const anchorState = await deps.anchor.read();
      const known = deps.anchor.known();
      const tail = await readTail(storage);
      problems.push(...(await tailProblems(storage, key, tail, anchorState, known)));
      // A consistent tail lets a refused sink append again (say, after the tables were restored).
      const damage = deps.sink ? (await deps.sink.check(), deps.sink.damage()) : null;
      const seals = await storage.db
        .selectFrom('audit_checkpoints')
        .select(['seq', 'created_at', 'note'])
        .where('kind', '=', 'seal')
        .orderBy('seq')
        .execute();
      const ok = problems.length === 0;
      return {
        ok,
        ...(ok ? {} : { code: 'AUDIT_CHAIN_DAMAGED' as const }),
        checked: walk.checked,
        first_seq: walk.first_seq,
        last_seq: walk.last.seq || null,
        ...(problems[0] ? { broken: { seq: problems[0].seq, reason: problems[0].reason } } : {}),
        problems,
        more_problems: walk.more,
        head: tail.head ? { seq: tail.head.seq, hash: tail.head.hash } : null,
        anchor:
          anchorState.status === 'ok'
            ? { status: 'ok', file: deps.anchor.file, seq: anchorState.checkpoint.seq, time: anchorState.checkpoint.time }
            : {
                status: anchorState.status === 'none' ? (deps.anchor.file ? 'none' : 'off') : 'invalid',
                file: deps.anchor.file,
                seq: null,
                time: null,
              },
        appends: deps.sink ? (damage ? 'refused' : 'ok') : 'off',
        from_checkpoint: cp ? Number(cp.seq) : null,
        seals: seals.map((x) => ({
          seq: Number(x.seq),
          time: x.created_at,
          reason: (x.note ? (JSON.parse(x.note) as { reason?: string }).reason : null) ?? null,
        })),
      };
    },

    /** The current signed checkpoint (head), for publishing outside Keyhaven. */
    async checkpoint(): Promise<Checkpoint & { anchor_file: string | null }> {
      const tail = await readTail(storage);
      const head = tail.head ?? { seq: 0, hash: GENESIS_HASH };
      return { ...signAnchor(key, { seq: head.seq, hash: head.hash }, clock.now().toISOString()), anchor_file: deps.anchor.file };
    },

    /** Acknowledges a break: verification starts again after the newest stored position, and the
     *  seal itself is an entry of the chain (who, why, and what verify had found). */
    async seal(
      reason: string,
      actor: { id: string | null; name: string | null; kind: AuditEvent['actor_kind'] },
      requestId: string | null,
    ) {
      if (!deps.sink) throw fail('AUDIT_CHAIN_INTACT', 'The database audit sink is off: there is no chain in the database to seal.');
      const report = await service.verify();
      if (report.ok) throw fail('AUDIT_CHAIN_INTACT');
      const found = report.problems.slice(0, 20).map((p) => ({ kind: p.kind, seq: p.seq }));
      const event: AuditEvent = {
        time: clock.now().toISOString(),
        tenant: '',
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
        details: { reason, problems: found, head_seq: report.head?.seq ?? null, anchor_seq: report.anchor.seq },
      };
      const r = await deps.sink.seal(event, { reason, problems: found });
      return { sealed: true, sealed_at: r.sealed_at, seal_seq: r.seal_seq, acknowledged: report.problems };
    },

    /** Deletes entries older than the cutoff, first writing a signed checkpoint of the last one. */
    async prune(olderThanDays: number) {
      const cutoff = new Date(clock.now().getTime() - olderThanDays * 86400_000).toISOString();
      return storage.transaction('*', async (trx) => {
        const last = await trx
          .selectFrom('audit_events')
          .select(['seq', 'hash'])
          .where('time', '<', cutoff)
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (!last) return { pruned: 0, checkpoint: null };
        const head = { seq: Number(last.seq), hash: last.hash };
        const r = await trx.deleteFrom('audit_events').where('seq', '<=', head.seq).executeTakeFirst();
        const pruned = Number(r.numDeletedRows);
        await trx
          .insertInto('audit_checkpoints')
          .values({ ...head, signature: signCheckpoint(key, head), pruned, created_at: clock.now().toISOString() })
          .execute();
        return { pruned, checkpoint: head.seq };
      });
    },
  };
  return service;
};

export type AuditService = ReturnType<typeof createAuditService>;
