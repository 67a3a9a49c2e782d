// Reading the audit trail: filtered, paginated queries (per tenant, per secret), export as JSON
// lines or CSV, chain verification, and retention pruning that leaves a signed checkpoint.
import type { StorageHandle } from '../../storage/database.js';
import type { ChainedEvent } from '../../audit/audit-types.js';
import { GENESIS_HASH } from '../../audit/audit-types.js';
import { signCheckpoint, verifyChain, type VerifyResult } from '../../audit/chain.js';
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

const CSV_FIELDS: Array<keyof ChainedEvent> = ['seq', 'time', 'tenant', 'actor_id', 'actor_name', 'actor_kind', 'action', 'resource', 'outcome', 'status', 'error_code', 'source_ip', 'user_agent', 'request_id', 'version', 'hash'];
const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${(/^[=+\-@]/.test(s) ? "'" : '') + s.replace(/"/g, '""')}"` : s;
};

export const createAuditService = (deps: { storage: StorageHandle; key: Buffer; clock: Clock }) => {
  const { storage, key, clock } = deps;

  const query = async (q: AuditQuery): Promise<{ items: ChainedEvent[]; next_before: number | null }> => {
    const rows = await storage.withTenant(q.tenant ?? '*', (ex) => {
      let s = ex.selectFrom('audit_events').selectAll();
      if (q.tenant !== undefined) s = s.where('tenant_id', '=', q.tenant);
      if (q.since) s = s.where('time', '>=', q.since);
      if (q.until) s = s.where('time', '<', q.until);
      if (q.actor) s = s.where((eb) => eb.or([eb('actor_id', '=', q.actor!), eb('actor_name', '=', q.actor!)]));
      if (q.action) s = q.action.endsWith('*') ? s.where('action', 'like', q.action.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%') : s.where('action', '=', q.action);
      if (q.outcome) s = s.where('outcome', '=', q.outcome);
      if (q.resource) s = s.where('resource', '=', q.resource);
      if (q.source_ip) s = s.where('source_ip', '=', q.source_ip);
      if (q.before) s = s.where('seq', '<', q.before);
      return s.orderBy('seq', 'desc').limit(q.limit).execute();
    });
    const items = rows.map(fromRow);
    return { items, next_before: items.length === q.limit ? items[items.length - 1]!.seq : null };
  };

  return {
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

    /** Verifies the whole stored chain from genesis or the latest signed checkpoint. */
    async verify(): Promise<VerifyResult & { from_checkpoint: number | null }> {
      const cp = await storage.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const start = cp ? { seq: Number(cp.seq), hash: cp.hash } : { seq: 0, hash: GENESIS_HASH };
      if (cp && signCheckpoint(key, start) !== cp.signature) {
        return { ok: false, checked: 0, first_seq: null, last_seq: null, broken: { seq: Number(cp.seq), reason: 'the retention checkpoint is not genuine (edited)' }, from_checkpoint: Number(cp.seq) };
      }
      const head = await storage.db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirst();
      async function* entries() {
        let after = start.seq;
        for (;;) {
          const rows = await storage.withTenant('*', (ex) => ex.selectFrom('audit_events').selectAll().where('seq', '>', after).orderBy('seq').limit(2000).execute());
          if (rows.length === 0) return;
          for (const r of rows) yield fromRow(r);
          after = Number(rows[rows.length - 1]!.seq);
        }
      }
      // Reordering is detected because rows are read by seq: a moved entry fails its link.
      const signedHead = head ? { head: { seq: Number(head.seq), hash: head.hash }, signature: head.signature } : null;
      const result = await verifyChain(key, start, entries(), signedHead);
      return { ...result, from_checkpoint: cp ? Number(cp.seq) : null };
    },

    /** Deletes entries older than the cutoff, first writing a signed checkpoint of the last one. */
    async prune(olderThanDays: number) {
      const cutoff = new Date(clock.now().getTime() - olderThanDays * 86400_000).toISOString();
      return storage.transaction('*', async (trx) => {
        const last = await trx.selectFrom('audit_events').select(['seq', 'hash']).where('time', '<', cutoff).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        if (!last) return { pruned: 0, checkpoint: null };
        const head = { seq: Number(last.seq), hash: last.hash };
        const r = await trx.deleteFrom('audit_events').where('seq', '<=', head.seq).executeTakeFirst();
        const pruned = Number(r.numDeletedRows);
        await trx.insertInto('audit_checkpoints').values({ ...head, signature: signCheckpoint(key, head), pruned, created_at: clock.now().toISOString() }).execute();
        return { pruned, checkpoint: head.seq };
      });
    },
  };
};

export type AuditService = ReturnType<typeof createAuditService>;
