// The secret service: create, write versions (with check-and-set and staging labels), read by
// version/label/field, describe, list, update metadata, soft-delete, restore and destroy.
import type { Barrier } from '../../barrier/barrier.js';
import type { Transaction } from 'kysely';
import { announcing, cachesUsable, type ChangeFeed } from '../../storage/change-feed.js';
import type { StorageHandle, Executor } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';
import { isUniqueViolation } from '../../storage/database.js';
import { fail, KeyhavenError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { assertSecretName } from '../../lib/secret-name.js';
import type { Clock } from '../../lib/clock.js';
import type { JoinedRead, SecretRow, SecretStore, VersionRow } from './secret-store.js';
import { aadFor, decodeValue, encodeValue, fingerprintsOf } from './secret-values.js';
import { createFillCache } from '../../lib/fill-cache.js';
import { outcomeOf, type DomainMetrics } from '../../lib/domain-metrics.js';
import { authorizeFactsChange, type Allows } from '../access/fact-change.js';
import {
  LABELS,
  type Label,
  type ListFilter,
  type SecretMetadataInput,
  type SecretRead,
  type SecretSummary,
  type SecretType,
  type VersionInfo,
} from './secret-types.js';

export interface Actor {
  tokenId: string;
  name: string;
}
export interface Scope {
  tenant: string;
  actor: Actor;
  /** Set by the access pipeline when the caller's policies limit which secrets it may see. */
  canSee?: (facts: { name: string; environment: string | null; tags: string[] }) => boolean;
  /** Set by the access pipeline: whether the caller's role allows an action on a secret with these
   *  facts. A change of the facts a policy tests is authorized against it here, in the service, so
   *  every path (REST, Vault-compatible API, CLI) is covered. */
  may?: { role: string; allows: Allows };
}

export interface WriteOptions {
  /** Check-and-set: 0 = the secret must not exist yet; n = the latest version must be n. */
  cas?: number;
  /** Where the new version goes: `current` (default) moves current→previous; `pending` stages it. */
  label?: 'current' | 'pending';
  /** Create the secret when it does not exist (PUT semantics). */
  create?: boolean;
  metadata?: SecretMetadataInput;
  /** Runs inside the write's transaction once the version is stored (the rotation engine records its
   *  step atomically with the pending value). `before` is the secret row as it was; null when created. */
  inTransaction?: (trx: Executor, written: { version: number; before: SecretRow | null }) => Promise<void>;
}

export interface SecretServiceDeps {
  storage: StorageHandle;
  store: SecretStore;
  barrier: Barrier;
  clock: Clock;
  limits: { maxValueBytes: number; defaultMaxVersions: number };
  /** Decrypted reads kept in process (bytes, age); off when maxBytes is 0. See lib/fill-cache.ts. */
  readCache?: { maxBytes: number; ttlSeconds: number };
  /** Other replicas' changes (PostgreSQL): each mutation is announced in its transaction, and the read
   *  cache is used only while the feed is live. Absent on SQLite, which one server owns. */
  changes?: ChangeFeed;
  /** Receives `secret.changed` after each committed write, delete, restore or destroy (delivery: SDK refresh, run --watch). */
  bus?: { publish(e: { type: string; time: string; tenant: string; data: Record<string, unknown>; relayed?: boolean }): void };
  /** Metrics (lib/domain-metrics.ts): reads and writes by secret type and outcome, the read cache. */
  observe?: Pick<DomainMetrics, 'secretRead' | 'secretWrite' | 'cacheHit' | 'cacheMiss' | 'cacheEviction'>;
  /** Notifications: each mutation queues its `secret.changed` event in its own transaction (outbox). */
  outbox?: SecretOutbox;
}

/** The part of the notification outbox the secret service uses (features/notifications/outbox.ts). */
export interface SecretOutbox {
  record(
    ex: Executor,
    e: {
      type: 'secret.changed';
      tenant: string;
      time: string;
      secret: { name: string; criticality: string };
      data: Record<string, unknown>;
    },
  ): Promise<number>;
}

const deepFreeze = <T>(v: T): T => {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
};

const labelsOf = (row: Pick<SecretRow, 'current_version' | 'pending_version' | 'previous_version'>, version: number): Label[] =>
  LABELS.filter((l) => row[`${l}_version`] === version);

const labelMap = (row: SecretRow): Partial<Record<Label, number>> => {
  const out: Partial<Record<Label, number>> = {};
  for (const l of LABELS) if (row[`${l}_version`] != null) out[l] = row[`${l}_version`]!;
  return out;
};

export const createSecretService = (deps: SecretServiceDeps) => {
  const { storage, store, barrier, clock, limits } = deps;
  const now = () => clock.now().toISOString();
  const { changes } = deps;
  const cache = createFillCache<{ read: SecretRead; bytes: number }>({
    maxBytes: deps.readCache?.maxBytes ?? 0,
    ttlMs: (deps.readCache?.ttlSeconds ?? 0) * 1000,
    usable: cachesUsable(changes),
    onEvict: deps.observe?.cacheEviction,
  });
  const observe = deps.observe;
  changes?.subscribe(
    (topic, tenant, name) => {
      if (topic === 'secret') cache.invalidate(cache.groupKey(tenant, name));
    },
    () => cache.clear(),
  );
  /** Every mutation of a secret runs here: its cached reads are invalidated when it starts and again
   *  once it has committed (or failed), so no read can store a value older than the commit; other
   *  replicas hear of it from the change feed when it commits. */
  const mutate = async <T>(tenant: string, name: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> => {
    const key = cache.groupKey(tenant, name);
    cache.invalidate(key);
    try {
      return await announcing(storage, changes, 'secret', tenant, name, fn);
    } finally {
      cache.invalidate(key);
    }
  };
  /** Queues the change for notification subscriptions, inside the mutation's transaction. */
  const queue = async (
    ex: Executor,
    row: Pick<SecretRow, 'tenant_id' | 'name' | 'criticality'>,
    change: string,
    extra: Record<string, unknown> = {},
  ) => {
    await deps.outbox?.record(ex, {
      type: 'secret.changed',
      tenant: row.tenant_id,
      time: now(),
      secret: { name: row.name, criticality: row.criticality },
      data: { name: row.name, change, ...extra },
    });
  };
  const changed = (tenant: string, name: string, change: string, version?: number) =>
    deps.bus?.publish({
      type: 'secret.changed',
      time: now(),
      tenant,
      data: { name, change, ...(version !== undefined ? { version } : {}) },
    });

  const summarize = (row: SecretRow, tags: string[]): SecretSummary => ({
    id: row.id,
    name: row.name,
    type: row.type as SecretType,
    description: row.description,
    tags,
    service: row.service,
    environment: row.environment,
    criticality: row.criticality as SecretSummary['criticality'],
    owner: row.owner,
    expires_at: row.expires_at,
    metadata: JSON.parse(row.metadata),
    max_versions: row.max_versions,
    labels: labelMap(row),
    latest_version: row.latest_version,
    created_at: row.created_at,
    updated_at: row.updated_at,
    deleted_at: row.deleted_at,
  });

  const versionInfo = (row: SecretRow, v: VersionRow): VersionInfo => ({
    version: v.version,
    state: v.state as VersionInfo['state'],
    labels: labelsOf(row, v.version),
    size_bytes: v.size_bytes,
    value_kind: v.value_kind as VersionInfo['value_kind'],
    created_at: v.created_at,
    created_by: v.created_by,
    destroyed_at: v.destroyed_at,
  });

  const requireSecret = async (ex: Executor, tenant: string, name: string, opts: { allowDeleted?: boolean } = {}) => {
    assertSecretName(name);
    const row = await store.findByName(ex, tenant, name);
    if (!row) throw fail('SECRET_NOT_FOUND', `No secret named "${name}" in this tenant.`);
    if (row.deleted_at && !opts.allowDeleted) throw fail('SECRET_DELETED', `The secret "${name}" is deleted; restore it first.`);
    return row;
  };

  /** Destroys the oldest unlabelled versions beyond max_versions; labelled versions are never pruned.
   *  Cheap when nothing is to prune: versions are only listed once there can be too many. */
  const prune = async (ex: Executor, row: SecretRow) => {
    if (row.latest_version <= row.max_versions) return;
    if (store.pruneDeferred) {
      // PostgreSQL: one statement, sent with the commit; the data keys are forgotten once it has run.
      const labels = [row.current_version, row.previous_version, row.pending_version];
      await store.pruneDeferred(ex, row.tenant_id, row.id, row.max_versions, labels, now(), (victims) => {
        for (const v of victims) barrier.forget(`${aadFor(row.tenant_id, row.id, v)}\u0000`);
      });
      return;
    }
    // A count on the index, then only the oldest excess + 3 live versions: at most three carry a
    // label, so they hold every victim. (One query with a window count sorted in a temporary b-tree
    // and cost three times as much.)
    const excess = (await store.countLiveVersions(ex, row.tenant_id, row.id)) - row.max_versions;
    if (excess <= 0) return;
    const candidates = await store.oldestLiveVersions(ex, row.tenant_id, row.id, excess + 3);
    const victims = candidates.filter((v) => labelsOf(row, v).length === 0).slice(0, excess);
    await store.destroyVersions(ex, row.tenant_id, row.id, victims, now());
    for (const v of victims) barrier.forget(`${aadFor(row.tenant_id, row.id, v)}\u0000`);
  };

  /** Opens a record; when it names a KEK this replica has not loaded (another replica rotated the
   *  keyring), reloads the keyring once and retries. */
  const openWithRefresh = async (record: { wrappedDek: string; ciphertext: string }, aad: string) => {
    try {
      return barrier.open(record, aad);
    } catch (e) {
      if (!(e instanceof KeyhavenError) || !(e.details as { unknown_kek?: string } | undefined)?.unknown_kek) throw e;
      if (!(await barrier.keyring.refresh())) throw e;
      return barrier.open(record, aad);
    }
  };

  const newSecretRow = (tenant: string, name: string, meta: SecretMetadataInput, at: string): SecretRow => ({
    id: newId('sec'),
    tenant_id: tenant,
    name,
    type: meta.type ?? 'generic',
    description: meta.description ?? null,
    service: meta.service ?? null,
    environment: meta.environment ?? null,
    criticality: meta.criticality ?? 'medium',
    owner: meta.owner ?? null,
    expires_at: meta.expires_at ?? null,
    metadata: JSON.stringify(meta.metadata ?? {}),
    max_versions: meta.max_versions ?? limits.defaultMaxVersions,
    current_version: null,
    pending_version: null,
    previous_version: null,
    latest_version: 0,
    created_at: at,
    updated_at: at,
    deleted_at: null,
    row_version: 0,
  });

  const writeOnce = async (scope: Scope, name: string, value: unknown, opts: WriteOptions, seen: { type?: string }) => {
    const encoded = encodeValue(value, limits.maxValueBytes);
    const decoded = decodeValue(encoded.kind, encoded.bytes);
    return mutate(scope.tenant, name, async (trx) => {
      const at = now();
      let row = await store.findByNameForUpdate(trx, scope.tenant, name);
      const before = row ?? null;
      if (row?.deleted_at) throw fail('SECRET_DELETED', `The secret "${name}" is deleted; restore it before writing.`);
      if (opts.cas !== undefined && (row?.latest_version ?? 0) !== opts.cas) {
        throw fail('CAS_MISMATCH', `Check-and-set failed: the latest version is ${row?.latest_version ?? 0}, not ${opts.cas}.`, {
          latest_version: row?.latest_version ?? 0,
        });
      }
      if (!row) {
        if (!opts.create) throw fail('SECRET_NOT_FOUND', `No secret named "${name}" in this tenant.`);
        row = newSecretRow(scope.tenant, name, opts.metadata ?? {}, at);
        seen.type = row.type;
        await store.insertSecret(trx, row);
        if (opts.metadata?.tags?.length) await store.replaceTags(trx, scope.tenant, row.id, opts.metadata.tags);
      }
      seen.type = row.type;
      const version = row.latest_version + 1;
      const sealed = barrier.seal(encoded.bytes, aadFor(scope.tenant, row.id, version));
      await store.insertVersion(
        trx,
        {
          tenant_id: scope.tenant,
          secret_id: row.id,
          version,
          wrapped_dek: sealed.wrappedDek,
          ciphertext: sealed.ciphertext,
          kek_id: barrier.kekIdOf(sealed.wrappedDek),
          value_kind: encoded.kind,
          size_bytes: encoded.bytes.length,
          state: 'active',
          created_at: at,
          created_by: scope.actor.tokenId,
          destroyed_at: null,
        },
        fingerprintsOf(barrier, decoded, encoded),
      );
      const labels =
        opts.label === 'pending'
          ? { pending_version: version }
          : {
              current_version: version,
              previous_version: row.current_version,
              pending_version: row.pending_version === version ? null : row.pending_version,
            };
      const patch = { ...labels, latest_version: version, updated_at: at };
      // The row is locked for this transaction (or was created by it): the update cannot miss.
      if (!(await store.updateLockedSecret(trx, scope.tenant, row.id, row.row_version, patch))) throw fail('CONFLICT');
      const updated = { ...row, ...patch, row_version: row.row_version + 1 };
      await prune(trx, updated);
      await opts.inTransaction?.(trx, { version, before });
      await queue(trx, updated, before ? 'write' : 'create', { version, label: opts.label ?? 'current' });
      // The other replicas hear of the committed write with the commit itself (PostgreSQL).
      const event = { type: 'secret.changed', time: at, tenant: scope.tenant, data: { name, change: 'write', version } };
      const relayed = deps.bus && changes ? await changes.relayInTransaction(trx, event) : false;
      return { written: { name, version, labels: labelsOf(updated, version), created_at: at }, event: { ...event, relayed } };
    });
  };

  /** The read from the database: on SQLite straight on the compiled statement unless a transaction
   *  is open on the connection (then through the query layer, which waits for it to commit). */
  const readStored = async (
    tenant: string,
    name: string,
    ref: { version?: number; label?: Label },
  ): Promise<{ read: SecretRead; bytes: number }> => {
    const r =
      storage.sqliteGet && !storage.sqliteInTransaction?.()
        ? store.readJoinedSqlite(storage.sqliteGet, tenant, name, ref)
        : (await storage.readScoped<JoinedRead>(tenant, store.readJoinedQuery(tenant, name, ref)))[0];
    if (!r) throw fail('SECRET_NOT_FOUND', `No secret named "${name}" in this tenant.`);
    if (r.deleted_at) throw fail('SECRET_DELETED', `The secret "${name}" is deleted; restore it first.`);
    if (r.version == null) {
      throw fail(
        'VERSION_NOT_FOUND',
        ref.version !== undefined
          ? `The secret has no version ${ref.version}.`
          : `No version of the secret carries the label "${ref.label ?? 'current'}".`,
      );
    }
    if (r.state === 'destroyed' || !r.wrapped_dek || !r.ciphertext)
      throw fail('VERSION_DESTROYED', `Version ${r.version} was destroyed and can no longer be read.`);
    const plain = await openWithRefresh({ wrappedDek: r.wrapped_dek, ciphertext: r.ciphertext }, aadFor(tenant, r.id, r.version));
    const bytes = plain.length;
    const value = decodeValue(r.value_kind!, plain);
    plain.fill(0);
    // Frozen: a cached read is shared by every caller, so nobody may change it in place.
    const read = deepFreeze({
      name: r.name,
      version: r.version,
      labels: labelsOf(r, r.version),
      type: r.type as SecretType,
      value,
      created_at: r.created_at!,
    });
    return { read, bytes };
  };

  return {
    /** The cache of decrypted reads, for the admin API (size, clear). */
    readCache: { entries: () => cache.stats().entries, clear: () => cache.clear(), stats: () => cache.stats() },

    /** Writes a new version; retries internally on a concurrent writer unless check-and-set was asked. */
    async write(scope: Scope, name: string, value: unknown, opts: WriteOptions = {}) {
      const seen: { type?: string } = {};
      try {
        assertSecretName(name);
      } catch (e) {
        observe?.secretWrite('unknown', outcomeOf(e));
        throw e;
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const { written, event } = await writeOnce(scope, name, value, opts, seen);
          observe?.secretWrite(seen.type ?? 'unknown', 'success');
          deps.bus?.publish(event);
          return written;
        } catch (e) {
          const conflict = (e instanceof KeyhavenError && e.code === 'CONFLICT') || isUniqueViolation(e);
          if (!conflict || opts.cas !== undefined || attempt >= 4)
            observe?.secretWrite(
              seen.type ?? 'unknown',
              conflict && opts.cas !== undefined ? 'cas_mismatch' : conflict ? 'conflict' : outcomeOf(e),
            );
          if (!conflict) throw e;
          if (opts.cas !== undefined || attempt >= 4) {
            if (opts.cas !== undefined)
              throw fail('CAS_MISMATCH', 'Check-and-set failed: another writer created a version at the same time.');
            throw fail('CONFLICT');
          }
        }
      }
    },

    async create(scope: Scope, name: string, value: unknown, metadata: SecretMetadataInput) {
      try {
        return await this.write(scope, name, value, { cas: 0, create: true, metadata });
      } catch (e) {
        if (e instanceof KeyhavenError && e.code === 'CAS_MISMATCH')
          throw fail('SECRET_EXISTS', `A secret named "${name}" already exists; write a new version with PUT instead.`);
        throw e;
      }
    },

    async read(scope: Scope, name: string, ref: { version?: number; label?: Label; field?: string } = {}): Promise<SecretRead> {
      const refKey = ref.version !== undefined ? `v${ref.version}` : (ref.label ?? 'current');
      const secretKey = cache.groupKey(scope.tenant, name);
      let full = cache.get(secretKey, refKey)?.read; // only valid names are ever cached
      if (full) observe?.cacheHit();
      else {
        observe?.cacheMiss();
        try {
          assertSecretName(name);
          const token = cache.token(secretKey);
          const loaded = await readStored(scope.tenant, name, ref);
          cache.put(token, refKey, loaded, loaded.bytes);
          full = loaded.read;
        } catch (e) {
          observe?.secretRead('unknown', outcomeOf(e));
          throw e;
        }
      }
      observe?.secretRead(full.type, 'success');
      if (ref.field === undefined) return full;
      const value = full.value;
      if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, ref.field)) {
        throw fail('FIELD_NOT_FOUND', `The value of "${name}" has no field "${ref.field}".`);
      }
      return { ...full, value: (value as Record<string, unknown>)[ref.field] };
    },

    async describe(scope: Scope, name: string) {
      return storage.withTenant(scope.tenant, async (ex) => {
        const row = await requireSecret(ex, scope.tenant, name, { allowDeleted: true });
        const tags = (await store.tagsOf(ex, scope.tenant, [row.id])).get(row.id) ?? [];
        const versions = await store.listVersions(ex, scope.tenant, row.id);
        return { ...summarize(row, tags), versions: versions.map((v) => versionInfo(row, v)) };
      });
    },

    async history(scope: Scope, name: string): Promise<VersionInfo[]> {
      return (await this.describe(scope, name)).versions;
    },

    async list(scope: Scope, filter: ListFilter) {
      return storage.withTenant(scope.tenant, async (ex) => {
        const rows = await store.list(ex, scope.tenant, filter);
        const tags = await store.tagsOf(
          ex,
          scope.tenant,
          rows.map((r) => r.id),
        );
        const items = rows.map((r) => summarize(r, tags.get(r.id) ?? [])).filter((i) => !scope.canSee || scope.canSee(i));
        return { items, next_cursor: rows.length === filter.limit ? rows[rows.length - 1]!.name : null };
      });
    },

    /** Changes a secret's metadata. `create`: a missing secret is created without any version (Vault
     *  KV v2 lets a client write metadata before the first data write); `allowDeleted`: a soft-deleted
     *  secret's metadata may change too (Vault keeps metadata of deleted versions writable). */
    async update(scope: Scope, name: string, patch: SecretMetadataInput, opts: { create?: boolean; allowDeleted?: boolean } = {}) {
      assertSecretName(name);
      await mutate(scope.tenant, name, async (trx) => {
        let row = opts.create ? await store.findByNameForUpdate(trx, scope.tenant, name) : undefined;
        if (opts.create && !row) {
          // A new row without a version (latest_version 0); the first write makes version 1.
          const created = newSecretRow(scope.tenant, name, {}, now());
          await store.insertSecret(trx, created);
          row = created;
        }
        row ??= await requireSecret(trx, scope.tenant, name, { allowDeleted: opts.allowDeleted });
        if (row.deleted_at && !opts.allowDeleted) throw fail('SECRET_DELETED', `The secret "${name}" is deleted; restore it first.`);
        const { tags, metadata, ...fields } = patch;
        if (scope.may && (tags !== undefined || fields.environment !== undefined)) {
          // Facts as stored (read in this transaction, under the row's lock) and as they would be.
          const stored = (await store.tagsOf(trx, scope.tenant, [row.id])).get(row.id) ?? [];
          authorizeFactsChange(
            scope.may.allows,
            { name, environment: row.environment, tags: stored },
            { name, environment: fields.environment !== undefined ? fields.environment : row.environment, tags: tags ?? stored },
            scope.may.role,
          );
        }
        const set: Partial<SecretRow> = { ...fields, updated_at: now() };
        if (metadata !== undefined) set.metadata = JSON.stringify(metadata);
        if (!(await store.updateSecret(trx, scope.tenant, row.id, row.row_version, set))) throw fail('CONFLICT');
        if (tags !== undefined) await store.replaceTags(trx, scope.tenant, row.id, tags);
        if (patch.max_versions !== undefined) await prune(trx, { ...row, ...set } as SecretRow);
      });
      return this.describe(scope, name);
    },

    async remove(scope: Scope, name: string) {
      const out = await mutate(scope.tenant, name, async (trx) => {
        const row = await requireSecret(trx, scope.tenant, name);
        const at = now();
        if (!(await store.updateSecret(trx, scope.tenant, row.id, row.row_version, { deleted_at: at, updated_at: at })))
          throw fail('CONFLICT');
        await queue(trx, row, 'delete');
        return { name, deleted_at: at };
      });
      changed(scope.tenant, name, 'delete');
      return out;
    },

    async restore(scope: Scope, name: string) {
      const out = await mutate(scope.tenant, name, async (trx) => {
        const row = await requireSecret(trx, scope.tenant, name, { allowDeleted: true });
        if (!row.deleted_at) return { name, restored: false };
        if (!(await store.updateSecret(trx, scope.tenant, row.id, row.row_version, { deleted_at: null, updated_at: now() })))
          throw fail('CONFLICT');
        await queue(trx, row, 'restore');
        return { name, restored: true };
      });
      if (out.restored) changed(scope.tenant, name, 'restore');
      return out;
    },

    /** Crypto-shredding. With versions: erases those (not labelled ones unless the secret is deleted).
     *  Without: erases the whole secret, which must be soft-deleted first. */
    async destroy(scope: Scope, name: string, versions?: number[], opts: { releasePrevious?: boolean } = {}) {
      const out = await mutate(scope.tenant, name, async (trx) => {
        const row = await requireSecret(trx, scope.tenant, name, { allowDeleted: true });
        if (!versions) {
          if (!row.deleted_at)
            throw fail('SECRET_NOT_DELETED', `Delete "${name}" first; only a deleted secret can be destroyed as a whole.`);
          await store.purgeSecret(trx, scope.tenant, row.id);
          barrier.forget(`${aadFor(scope.tenant, row.id, 0).replace(/0$/, '')}`);
          await queue(trx, row, 'destroy');
          return { name, destroyed: 'all' as const };
        }
        const existing = new Set((await store.listVersions(trx, scope.tenant, row.id)).map((v) => v.version));
        // releasePrevious (the Vault-compatible API, whose clients know no labels): destroying the
        // version labelled only `previous` removes that label with it.
        const released =
          opts.releasePrevious &&
          row.previous_version != null &&
          versions.includes(row.previous_version) &&
          labelsOf(row, row.previous_version).length === 1
            ? row.previous_version
            : null;
        for (const v of versions) {
          if (!existing.has(v)) throw fail('VERSION_NOT_FOUND', `The secret has no version ${v}.`);
          if (!row.deleted_at && v !== released && labelsOf(row, v).length > 0) {
            throw fail(
              'VERSION_LABELLED',
              `Version ${v} carries the label "${labelsOf(row, v).join(', ')}"; write a new version first, or delete the secret.`,
            );
          }
        }
        if (
          released !== null &&
          !(await store.updateSecret(trx, scope.tenant, row.id, row.row_version, { previous_version: null, updated_at: now() }))
        )
          throw fail('CONFLICT');
        await store.destroyVersions(trx, scope.tenant, row.id, versions, now());
        for (const v of versions) barrier.forget(`${aadFor(scope.tenant, row.id, v)}\u0000`);
        await queue(trx, row, 'destroy', { versions });
        return { name, destroyed: versions };
      });
      changed(scope.tenant, name, 'destroy');
      return out;
    },

    /** Rotation finish: `version` (the pending one) becomes current, the old current becomes previous,
     *  pending is cleared. Idempotent: a second call after success changes nothing.
     *  `inTransaction` runs in the same transaction (the rotation engine ends its run atomically with it). */
    async promotePending(scope: Scope, name: string, version: number, opts: { inTransaction?: (trx: Executor) => Promise<void> } = {}) {
      return mutate(scope.tenant, name, async (trx) => {
        // Locked (PostgreSQL), so the promotion's update cannot miss and travels with the commit.
        assertSecretName(name);
        const row = await store.findByNameForUpdate(trx, scope.tenant, name);
        if (!row) throw fail('SECRET_NOT_FOUND', `No secret named "${name}" in this tenant.`);
        if (row.deleted_at) throw fail('SECRET_DELETED', `The secret "${name}" is deleted; restore it first.`);
        if (row.current_version === version) {
          await opts.inTransaction?.(trx);
          return { name, version, promoted: false };
        }
        if (row.pending_version !== version)
          throw fail('VERSION_NOT_FOUND', `Version ${version} of "${name}" is not pending; it cannot be promoted.`);
        const patch = { current_version: version, previous_version: row.current_version, pending_version: null, updated_at: now() };
        if (!(await store.updateLockedSecret(trx, scope.tenant, row.id, row.row_version, patch))) throw fail('CONFLICT');
        await opts.inTransaction?.(trx);
        return { name, version, promoted: true };
      });
    },

    /** Rotation failure: marks the pending `version` failed and clears the pending label; current is
     *  untouched. Idempotent. */
    async abandonPending(scope: Scope, name: string, version: number) {
      return mutate(scope.tenant, name, async (trx) => {
        const row = await requireSecret(trx, scope.tenant, name, { allowDeleted: true });
        if (row.current_version === version) return { name, version, abandoned: false };
        await trx
          .updateTable('secret_versions')
          .set({ state: 'failed' })
          .where('tenant_id', '=', scope.tenant)
          .where('secret_id', '=', row.id)
          .where('version', '=', version)
          .where('state', '=', 'active')
          .execute();
        if (row.pending_version === version) {
          if (!(await store.updateSecret(trx, scope.tenant, row.id, row.row_version, { pending_version: null, updated_at: now() })))
            throw fail('CONFLICT');
        }
        return { name, version, abandoned: true };
      });
    },

    /** Environment and tags of a secret, for condition policies; null when it does not exist. */
    async facts(tenant: string, name: string) {
      return storage.withTenant(tenant, async (ex) => {
        const row = await store.findByName(ex, tenant, name);
        if (!row) return null;
        return { environment: row.environment, tags: (await store.tagsOf(ex, tenant, [row.id])).get(row.id) ?? [] };
      });
    },

    /** Finds stored secrets whose value (or a field of it) has one of the given SHA-256 digests. */
    async matchFingerprints(scope: Scope, sha256Hex: string[]) {
      const byFp = new Map(sha256Hex.map((h) => [barrier.fingerprintOfSha256(Buffer.from(h, 'hex')), h]));
      const rows = await storage.withTenant(scope.tenant, (ex) => store.findByFingerprints(ex, scope.tenant, [...byFp.keys()]));
      const visible = [];
      for (const r of rows) {
        if (!scope.canSee) {
          visible.push(r);
          continue;
        }
        const f = await this.facts(scope.tenant, r.name);
        if (f && scope.canSee({ name: r.name, ...f })) visible.push(r);
      }
      return visible.map((r) => ({
        sha256: byFp.get(r.fingerprint)!,
        tenant: scope.tenant,
        secret: r.name,
        version: r.version,
        field: r.field || undefined,
        label: LABELS.find((l) => r[`${l}_version`] === r.version),
      }));
    },
  };
};

export type SecretService = ReturnType<typeof createSecretService>;
