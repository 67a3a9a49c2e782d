// The audit broker: batches events per chain (group commit; one chain per tenant, ADR 0011), chains
// them through the database sink (or in memory when it is off), each chain's batches in turn and
// different chains' at the same time (a tenant whose head row is slow never holds up another), fans them out to the stream sinks with bounded waits, and fails closed:
// a caller's record() rejects with AUDIT_UNAVAILABLE unless at least one sink stored its event
// (DATABASE_UNAVAILABLE when the database is the only sink and it is unreachable).
import type { Logger } from 'pino';
import { fail, KeyhavenError } from '../lib/errors.js';
import type { AuditEvent, AuditHead, AuditSink, ChainedEvent, ChainingSink } from './audit-types.js';
import { chainEvents, genesisOf } from './chain.js';

interface Pending {
  event: AuditEvent;
  resolve: (e: ChainedEvent) => void;
  reject: (e: unknown) => void;
}

export interface BrokerOptions {
  database?: ChainingSink;
  streams: AuditSink[];
  key: Buffer;
  timeoutMs: number;
  logger: Logger;
  maxBatch?: number;
  /** Observers of every stored event (anomaly detection, metrics); never block recording.
   *  `inDatabase`: the batch is committed to audit_events with these sequence numbers (otherwise it
   *  was chained in memory for the stream sinks alone). */
  onRecorded?: (events: ChainedEvent[], inDatabase: boolean) => void;
  /** Told whether each sink stored each batch (metrics: sink health); never blocks recording. */
  onSinkResult?: (sink: string, ok: boolean) => void;
  /** A sink failed to store a batch (notifications: audit.sink_failing). */
  onSinkFailure?: (sink: string) => void;
}

class SinkTimeout extends Error {}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new SinkTimeout(`${what} did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });

export const createAuditBroker = (opts: BrokerOptions) => {
  /** Per chain: the events waiting, and whether a batch of that chain is being stored. */
  const chains = new Map<string, { queue: Pending[]; flushing: boolean }>();
  const memoryHeads = new Map<string, AuditHead>();
  let memorySeq = 0;
  let inFlight = 0;
  /** Chains with a database append still running (answered or not). */
  const stalled = new Set<string>();
  const enabled = Boolean(opts.database) || opts.streams.length > 0;
  const maxBatch = opts.maxBatch ?? 512;
  /** The outcome of the latest batch, for readiness: a batch no sink stored makes the broker not accepting. */
  let lastFailedAt: string | null = null;
  const sinkResult = (sink: string, ok: boolean) => {
    try {
      opts.onSinkResult?.(sink, ok);
    } catch {
      /* observers never break recording */
    }
  };

  const flush = async (chain: string) => {
    const c = chains.get(chain)!;
    const queue = c.queue;
    c.flushing = true;
    inFlight += 1;
    try {
      while (queue.length) {
        const batch = queue.splice(0, maxBatch);
        const events = batch.map((p) => p.event);
        let chained: ChainedEvent[] | undefined;
        let stored = false;
        let inDatabase = false;
        let databaseError: KeyhavenError | undefined;
        let databaseDown = false;
        if (opts.database) {
          try {
            // A chain whose previous batch is still waiting in the database (its head row locked, say)
            // does not send another: one connection at most per stalled chain, the pool stays free
            // for the other tenants' chains.
            if (stalled.has(chain)) throw new SinkTimeout(`the database audit sink is still storing an earlier batch of this chain`);
            const appending = opts.database.append(chain, events);
            stalled.add(chain);
            void appending.then(
              () => stalled.delete(chain),
              () => stalled.delete(chain),
            );
            chained = await withTimeout(appending, opts.timeoutMs, 'the database audit sink');
            stored = inDatabase = true;
            sinkResult('database', true);
          } catch (e) {
            sinkResult('database', false);
            if (e instanceof KeyhavenError && e.code === 'AUDIT_CHAIN_DAMAGED')
              databaseError = e; // logged once by the sink
            else {
              // A full disk is named as such: the request was refused because it could not be recorded.
              if (e instanceof KeyhavenError && e.code === 'DATABASE_CORRUPT')
                databaseError = fail(
                  'DATABASE_CORRUPT',
                  'The database holding the audit trail reports damaged pages, so the request could not be recorded and was not carried out. Stop the server and restore the database from a backup (docs/operations.md); the server log names what SQLite found.',
                );
              if (e instanceof KeyhavenError && e.code === 'DISK_FULL')
                databaseError = fail(
                  'DISK_FULL',
                  "The disk holding the database is full, so the request could not be recorded in the audit trail and was not carried out (reads are audited too). Free space on the data directory's file system; requests resume by themselves. A second audit sink on another disk keeps reads going.",
                );
              // The database itself is unreachable or not answering (not a fault of auditing).
              databaseDown = (e instanceof KeyhavenError && e.code === 'DATABASE_UNAVAILABLE') || e instanceof SinkTimeout;
              opts.logger.error({ sink: 'database', reason: (e as Error).message?.slice(0, 200) }, 'audit sink failed');
              try {
                opts.onSinkFailure?.('database');
              } catch {
                /* observers never break recording */
              }
            }
          }
        }
        if (!chained) {
          const r = chainEvents(opts.key, chain, memoryHeads.get(chain) ?? genesisOf(opts.key, chain), events);
          chained = r.chained;
          for (const e of chained) e.seq = ++memorySeq;
          memoryHeads.set(chain, r.head);
        }
        const results = await Promise.allSettled(
          opts.streams.map((s) => withTimeout(s.write(chained!), opts.timeoutMs, `the ${s.name} audit sink`)),
        );
        results.forEach((r, i) => {
          sinkResult(opts.streams[i]!.name, r.status === 'fulfilled');
          if (r.status === 'fulfilled') stored = true;
          else {
            opts.logger.error({ sink: opts.streams[i]!.name, reason: (r.reason as Error)?.message?.slice(0, 200) }, 'audit sink failed');
            try {
              opts.onSinkFailure?.(opts.streams[i]!.name);
            } catch {
              /* observers never break recording */
            }
          }
        });
        lastFailedAt = stored ? null : new Date().toISOString();
        if (stored) {
          batch.forEach((p, i) => p.resolve(chained![i]!));
          try {
            opts.onRecorded?.(chained, inDatabase);
          } catch {
            /* observers never break recording */
          }
        } else {
          // A damaged chain or a full disk is named as such; with the database as the only sink, a
          // database outage is what the caller hears; anything else is an unavailable sink.
          const err =
            databaseError ?? (databaseDown && opts.streams.length === 0 ? fail('DATABASE_UNAVAILABLE') : fail('AUDIT_UNAVAILABLE'));
          batch.forEach((p) => p.reject(err));
        }
      }
    } finally {
      c.flushing = false;
      inFlight -= 1;
      if (queue.length)
        setImmediate(() => {
          if (!c.flushing) void flush(chain);
        });
      else chains.delete(chain);
    }
  };

  return {
    enabled,
    /** Whether the latest batch was stored by at least one sink (readiness; true before any batch). */
    accepting: () => ({ accepting: lastFailedAt === null, failedAt: lastFailedAt }),
    /** Records one event; resolves once a sink has stored it, rejects with AUDIT_UNAVAILABLE (or
     *  DATABASE_UNAVAILABLE, see above) otherwise. */
    record(event: AuditEvent): Promise<ChainedEvent | null> {
      if (!enabled) return Promise.resolve(null);
      const chain = event.tenant; // one chain per tenant; '' is the system chain
      return new Promise((resolve, reject) => {
        let c = chains.get(chain);
        if (!c) chains.set(chain, (c = { queue: [], flushing: false }));
        c.queue.push({ event, resolve, reject });
        if (!c.flushing && c.queue.length === 1)
          setImmediate(() => {
            const now = chains.get(chain);
            if (now && !now.flushing && now.queue.length) void flush(chain);
          });
      });
    },
    async close() {
      while (inFlight || chains.size) await new Promise((r) => setTimeout(r, 5));
      await Promise.all([...opts.streams.map((s) => s.close?.()), opts.database?.close?.()]);
    },
  };
};

export type AuditBroker = ReturnType<typeof createAuditBroker>;
