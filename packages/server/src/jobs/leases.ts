// Database leases for background work shared by several servers: claim rows whose lease is free or
// expired, atomically (PostgreSQL: FOR UPDATE SKIP LOCKED, so replicas never wait on or take each
// other's rows; SQLite: one statement under its single writer), and owner ids for this process.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { StorageHandle } from '../storage/database.js';

/** A lease owner id unique to this process: host, pid and a random suffix. */
export const newLeaseOwner = (label = 'engine') => `${label}:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export interface ClaimSpec {
  /** Table with `lease_owner` and `lease_until` columns. */
  table: 'rotation_configs' | 'rotation_runs' | 'job_state' | 'notification_outbox';
  /** Its key columns. */
  keys: string[];
  /** Extra conditions selecting claimable rows (besides a free or expired lease). */
  where: RawBuilder<unknown>;
  orderBy: string;
  limit: number;
  owner: string;
  now: string;
  until: string;
}

/** Claims up to `limit` rows for `owner` until `until`; returns the claimed rows. System work (tenant '*'). */
export const claimRows = async <T>(storage: StorageHandle, spec: ClaimSpec): Promise<T[]> => {
  const keys = sql.raw(spec.keys.join(', '));
  const table = sql.raw(spec.table);
  const lock = storage.dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const free = sql`(lease_until is null or lease_until < ${spec.now})`;
  return storage.transaction('*', async (trx) => {
    const r = await sql<T>`
      update ${table} set lease_owner = ${spec.owner}, lease_until = ${spec.until}
      where (${keys}) in (
        select ${keys} from ${table} where ${free} and ${spec.where}
        order by ${sql.raw(spec.orderBy)} limit ${spec.limit} ${lock}
      ) and ${free}
      returning *`.execute(trx);
    return r.rows;
  });
};

/** Whether a lease owner id names a process that can no longer hold it: on SQLite every other owner
 *  (one server per file, ADR 0005, so any lease found at start is a dead process's); on PostgreSQL an
 *  owner on this host whose pid is not running, or whose pid is this process's own (a restarted
 *  container is pid 1 again; two live processes never share a pid on one host). */
export const isDeadOwner = (owner: string, self: string, dialect: StorageHandle['dialect']): boolean => {
  if (owner === self) return false;
  if (dialect === 'sqlite') return true;
  const [, host, pidText] = owner.split(':');
  if (host !== hostname()) return false; // another machine: only its lease expiry tells
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false; // running (or not ours to signal): leave its lease alone
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
};

/** Frees the leases of `table` held by dead owners (see isDeadOwner), so their work is resumed now
 *  instead of when the lease runs out. Returns how many leases were freed. */
export const releaseDeadLeases = async (
  storage: StorageHandle,
  table: 'rotation_configs' | 'rotation_runs' | 'job_state' | 'notification_outbox',
  self: string,
): Promise<number> => {
  const t = sql.raw(table);
  return storage.transaction('*', async (trx) => {
    const held = await sql<{ lease_owner: string }>`select distinct lease_owner from ${t} where lease_owner is not null`.execute(trx);
    const dead = held.rows.map((r) => r.lease_owner).filter((o) => isDeadOwner(o, self, storage.dialect));
    let freed = 0;
    for (const owner of dead) {
      const r = await sql`update ${t} set lease_owner = null, lease_until = null where lease_owner = ${owner}`.execute(trx);
      freed += Number(r.numAffectedRows ?? 0);
    }
    return freed;
  });
};
