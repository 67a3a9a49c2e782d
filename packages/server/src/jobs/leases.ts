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
  table: 'rotation_configs' | 'rotation_runs';
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
