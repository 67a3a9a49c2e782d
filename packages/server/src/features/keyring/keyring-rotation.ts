// KEK rotation of the keyring without downtime: `perform` adds a new active KEK (new writes use it at
// once, old KEKs keep decrypting), then re-wraps every stored data key in the background, in batches,
// touching only wrapped_dek/kek_id with an optimistic `WHERE wrapped_dek = <old>` so concurrent
// writes and destroys are never clobbered. Progress is reported by status(); `setAuto` toggles a
// periodic rotation (seed 003 KEY_ROTATION_ENABLED / _INTERVAL_HOURS / _SCHEDULE). When it last ran
// is kept in the database (job_state), so it survives restarts and every replica sees it; a lease on
// that row lets one replica rotate per due time. Besides secret versions, the other things sealed by
// the barrier are re-wrapped too (a login method's credential such as the Kubernetes reviewer token,
// a notification subscription's settings, a console session's token), so that no stored data key stays under a retired KEK.
import { Cron } from 'croner';
import { sql } from 'kysely';
import type { Barrier } from '../../barrier/barrier.js';
import { claimRows, newLeaseOwner } from '../../jobs/leases.js';
import type { Executor, StorageHandle } from '../../storage/database.js';
import { fail } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { aadFor } from '../secrets/secret-values.js';
import { authConfigAad } from '../auth/auth-store.js';
import { subscriptionAad } from '../notifications/subscription-service.js';
import { consoleSessionAad } from '../console/console-sessions.js';

export type RotationState = 'idle' | 'running' | 'completed' | 'failed';

export interface KeyRotationStatus {
  state: RotationState;
  active_kek: string;
  kek_ids: string[];
  target_kek: string | null;
  total: number;
  done: number;
  remaining: number;
  skipped: number;
  failed: number;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  auto: {
    enabled: boolean;
    interval_hours: number;
    /** `admin`: the last toggle through the admin API (shared by every replica, kept across
     *  restarts); `config`: the server configuration's, never toggled. */
    source: 'admin' | 'config';
    set_at: string | null;
    schedule: string | null;
    timezone: string;
    next_at: string | null;
    last_rotated_at: string | null;
  };
}

/** The job_state row of the automatic keyring rotation. */
export const KEYRING_ROTATION_JOB = 'keyring_rotation';

export interface KeyRotationDeps {
  storage: StorageHandle;
  barrier: Barrier;
  clock: Clock;
  settings: {
    enabled: boolean;
    intervalHours: number;
    batchSize: number;
    schedule?: string;
    timezone?: string;
    leaseSeconds?: number;
    checkSeconds?: number;
  };
  logger?: { info(o: object, m: string): void; error(o: object, m: string): void };
  /** Called between batches (tests and benchmarks observe progress; production leaves it unset). */
  onBatch?: (s: KeyRotationStatus) => void | Promise<void>;
}

type Key = { tenant_id: string; secret_id: string; version: number };

/** Rows sealed by the barrier besides secret versions: where the wrapped data key is (a column, or
 *  `wrappedDek` in a JSON envelope), the row's key columns, and the AAD it was sealed under. */
const SEALED_SETTINGS: ReadonlyArray<{
  table: string;
  keys: string[];
  column: string;
  json: boolean;
  aad: (row: Record<string, string>) => string;
}> = [
  {
    table: 'auth_configs',
    keys: ['tenant_id', 'method'],
    column: 'sealed_dek',
    json: false,
    aad: (r) => authConfigAad(r.tenant_id!, r.method!),
  },
  { table: 'console_sessions', keys: ['id'], column: 'sealed_dek', json: false, aad: (r) => consoleSessionAad(r.id!) },
  {
    table: 'notification_subscriptions',
    keys: ['tenant_id', 'id'],
    column: 'sealed',
    json: true,
    aad: (r) => subscriptionAad(r.tenant_id!, r.id!),
  },
];

export const createKeyRotation = (deps: KeyRotationDeps) => {
  const { storage, barrier, clock } = deps;
  const keyring = barrier.keyring;
  const s = {
    state: 'idle' as RotationState,
    target: null as string | null,
    total: 0,
    done: 0,
    skipped: 0,
    failed: 0,
    startedAt: null as string | null,
    finishedAt: null as string | null,
    error: null as string | null,
  };
  const auto = {
    enabled: deps.settings.enabled,
    intervalHours: deps.settings.intervalHours,
    nextAt: null as number | null,
    lastRotatedAt: null as string | null,
    setAt: null as string | null,
  };
  /** How often a replica looks at the shared row (another replica's rotation or toggle). */
  const checkMs = (deps.settings.checkSeconds ?? 60) * 1000;
  const cron = deps.settings.schedule
    ? new Cron(deps.settings.schedule, { timezone: deps.settings.timezone ?? 'UTC', paused: true })
    : null;
  const owner = newLeaseOwner('keyring');
  const leaseMs = (deps.settings.leaseSeconds ?? 600) * 1000;
  /** When a rotation is next due after one at (or a schedule started at) `base`. */
  const dueAfter = (base: Date): number =>
    cron ? (cron.nextRun(base)?.getTime() ?? Number.POSITIVE_INFINITY) : base.getTime() + auto.intervalHours * 3600_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopping = false;

  const status = (): KeyRotationStatus => ({
    state: s.state,
    active_kek: keyring.activeKekId,
    kek_ids: keyring.kekIds(),
    target_kek: s.target,
    total: s.total,
    done: s.done,
    remaining: Math.max(0, s.total - s.done - s.skipped - s.failed),
    skipped: s.skipped,
    failed: s.failed,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    error: s.error,
    auto: {
      enabled: auto.enabled,
      interval_hours: auto.intervalHours,
      source: auto.setAt ? 'admin' : 'config',
      set_at: auto.setAt,
      schedule: deps.settings.schedule ?? null,
      timezone: deps.settings.timezone ?? 'UTC',
      next_at: auto.nextAt ? new Date(auto.nextAt).toISOString() : null,
      last_rotated_at: auto.lastRotatedAt,
    },
  });

  const countStale = (kek: string) =>
    storage.withTenant('*', async (ex) =>
      Number(
        (
          await ex
            .selectFrom('secret_versions')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('wrapped_dek', 'is not', null)
            .where((eb) => eb.or([eb('kek_id', '!=', kek), eb('kek_id', 'is', null)]))
            .executeTakeFirst()
        )?.n ?? 0,
      ),
    );

  /** The other sealed rows (few: one per login method, subscription and console session), each with
   *  its AAD and an update that applies only while the row still holds what was read. */
  const sealedSettings = async () => {
    const out: Array<{ wrappedDek: string; aad: string; store: (trx: Executor, next: string) => Promise<boolean> }> = [];
    for (const t of SEALED_SETTINGS) {
      const rows = (
        await storage.withTenant('*', (ex) =>
          sql<Record<string, string>>`select ${sql.join([...t.keys, t.column].map((c) => sql.ref(c)))} from ${sql.table(t.table)}
            where ${sql.ref(t.column)} is not null`.execute(ex),
        )
      ).rows;
      for (const row of rows) {
        const stored = row[t.column]!;
        let envelope: { wrappedDek: string; ciphertext: string } | undefined;
        if (t.json) {
          try {
            envelope = JSON.parse(stored) as { wrappedDek: string; ciphertext: string };
          } catch {
            continue; // a damaged row: opening it already reports so
          }
        }
        out.push({
          wrappedDek: envelope ? envelope.wrappedDek : stored,
          aad: t.aad(row),
          store: async (trx, next) => {
            const value = envelope ? JSON.stringify({ ...envelope, wrappedDek: next }) : next;
            const where = [sql`${sql.ref(t.column)} = ${stored}`, ...t.keys.map((k) => sql`${sql.ref(k)} = ${row[k]}`)];
            const r =
              await sql`update ${sql.table(t.table)} set ${sql.ref(t.column)} = ${value} where ${sql.join(where, sql` and `)}`.execute(trx);
            return Number(r.numAffectedRows ?? 0) === 1;
          },
        });
      }
    }
    return out;
  };
  const staleSettings = async (kek: string) =>
    (await sealedSettings()).filter((r) => {
      try {
        return barrier.kekIdOf(r.wrappedDek) !== kek;
      } catch {
        return true;
      }
    });

  /** Re-wraps the sealed settings that are not under `kek` (after the secret versions). */
  const rewrapSettings = async (kek: string) => {
    const stale = await staleSettings(kek);
    const updates: Array<{ row: (typeof stale)[number]; next: string }> = [];
    for (const row of stale) {
      try {
        const next = barrier.rewrapDek(row.wrappedDek, row.aad);
        if (next === null) s.skipped++;
        else updates.push({ row, next });
      } catch {
        s.failed++;
      }
    }
    if (updates.length)
      await storage.transaction('*', async (trx) => {
        for (const u of updates) {
          if (await u.row.store(trx, u.next)) s.done++;
          else s.skipped++; // changed meanwhile (written again: already under the active KEK)
        }
      });
  };

  /** One batch after `after` in primary-key order: re-wrap and update each row only if it is unchanged. */
  const batch = async (kek: string, after: Key | null): Promise<Key | null> => {
    const rows = await storage.withTenant('*', (ex) => {
      let q = ex
        .selectFrom('secret_versions')
        .select(['tenant_id', 'secret_id', 'version', 'wrapped_dek'])
        .where('wrapped_dek', 'is not', null)
        .where((eb) => eb.or([eb('kek_id', '!=', kek), eb('kek_id', 'is', null)]));
      if (after) {
        q = q.where((eb) =>
          eb.or([
            eb('tenant_id', '>', after.tenant_id),
            eb.and([eb('tenant_id', '=', after.tenant_id), eb('secret_id', '>', after.secret_id)]),
            eb.and([eb('tenant_id', '=', after.tenant_id), eb('secret_id', '=', after.secret_id), eb('version', '>', after.version)]),
          ]),
        );
      }
      return q.orderBy('tenant_id').orderBy('secret_id').orderBy('version').limit(deps.settings.batchSize).execute() as Promise<
        Array<Key & { wrapped_dek: string }>
      >;
    });
    if (rows.length === 0) return null;
    const updates: Array<Key & { old: string; next: string }> = [];
    for (const r of rows) {
      try {
        const next = barrier.rewrapDek(r.wrapped_dek, aadFor(r.tenant_id, r.secret_id, r.version));
        if (next === null) s.skipped++;
        else updates.push({ ...r, old: r.wrapped_dek, next });
      } catch {
        s.failed++; // a damaged row stays as it is; status reports it
      }
    }
    if (updates.length) {
      await storage.transaction('*', async (trx) => {
        for (const u of updates) {
          const res = await trx
            .updateTable('secret_versions')
            .set({ wrapped_dek: u.next, kek_id: kek })
            .where('tenant_id', '=', u.tenant_id)
            .where('secret_id', '=', u.secret_id)
            .where('version', '=', u.version)
            .where('wrapped_dek', '=', u.old)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) === 1) s.done++;
          else s.skipped++; // destroyed or changed meanwhile
        }
      });
    }
    const last = rows[rows.length - 1]!;
    return { tenant_id: last.tenant_id, secret_id: last.secret_id, version: last.version };
  };

  const rewrapAll = async (kek: string) => {
    let cursor: Key | null = null;
    do {
      const t0 = performance.now();
      cursor = await batch(kek, cursor);
      await deps.onBatch?.(status());
      // SQLite work is synchronous in-process: rest as long as the batch took (a 50% duty cycle), so
      // requests keep flowing while the re-wrap runs.
      const rest = Math.min(100, performance.now() - t0);
      await new Promise((r) => setTimeout(r, rest));
    } while (cursor && !stopping);
    if (!stopping) await rewrapSettings(kek);
    if (stopping) throw new Error('the server stopped during re-wrapping; run perform with force to finish');
  };

  const perform = async (opts: { force?: boolean } = {}) => {
    if (s.state === 'running') throw fail('KEY_ROTATION_IN_PROGRESS');
    // Without force, a keyring whose data keys all sit under the active KEK still gets a new KEK:
    // the operation is "rotate now". `force` restarts re-wrapping of a failed run under the same KEK.
    // KEKs another replica added since the last refresh: the new id must follow theirs (kekN+1).
    await keyring.refresh();
    const kek = opts.force && s.state === 'failed' && s.target === keyring.activeKekId ? keyring.activeKekId : await keyring.rotate();
    Object.assign(s, {
      state: 'running',
      target: kek,
      total: 0,
      done: 0,
      skipped: 0,
      failed: 0,
      startedAt: clock.now().toISOString(),
      finishedAt: null,
      error: null,
    });
    s.total = (await countStale(kek)) + (await staleSettings(kek)).length;
    auto.lastRotatedAt = s.startedAt;
    auto.nextAt = dueAfter(new Date(s.startedAt!));
    // Manual and scheduled rotations alike move the shared schedule on (every replica, after restarts).
    await storage
      .withTenant('*', (ex) =>
        ex
          .updateTable('job_state')
          .set({ last_run_at: s.startedAt, last_run_by: owner })
          .where('name', '=', KEYRING_ROTATION_JOB)
          .execute(),
      )
      .catch((e: Error) =>
        deps.logger?.error(
          { reason: e.message?.slice(0, 200) },
          'could not record the keyring rotation time; the schedule may rotate again early',
        ),
      );
    deps.logger?.info({ kek, total: s.total }, 'keyring rotation started');
    running = rewrapAll(kek)
      .then(
        () => {
          s.state = s.failed ? 'failed' : 'completed';
          if (s.failed) s.error = `${s.failed} data keys could not be re-wrapped; they still open with their old KEK.`;
        },
        (e) => {
          s.state = 'failed';
          s.error = e instanceof Error ? e.message : 'the rotation failed';
          deps.logger?.error({ kek }, 'keyring rotation failed');
        },
      )
      .finally(() => {
        s.finishedAt = clock.now().toISOString();
        running = null;
      });
    return status();
  };

  const ensureJob = () => {
    const now = clock.now().toISOString();
    return storage.withTenant('*', (ex) =>
      sql`insert into job_state (name, created_at) values (${KEYRING_ROTATION_JOB}, ${now}) on conflict (name) do nothing`.execute(ex),
    );
  };
  /** The shared row: created on first use (the schedule starts then), read on every tick. A toggle
   *  stored there (by any replica) replaces the configuration's enabled/interval. */
  const readJob = async (): Promise<{ base: string; last: string | null }> => {
    await ensureJob();
    const row = await storage.withTenant('*', (ex) =>
      ex
        .selectFrom('job_state')
        .select(['created_at', 'last_run_at', 'settings', 'settings_at'])
        .where('name', '=', KEYRING_ROTATION_JOB)
        .executeTakeFirstOrThrow(),
    );
    if (row.settings && row.settings_at !== auto.setAt) {
      try {
        const t = JSON.parse(row.settings) as { enabled?: unknown; interval_hours?: unknown };
        if (typeof t.enabled === 'boolean') auto.enabled = t.enabled;
        if (typeof t.interval_hours === 'number') auto.intervalHours = t.interval_hours;
        auto.setAt = row.settings_at;
      } catch {
        deps.logger?.error(
          { job: KEYRING_ROTATION_JOB },
          'the stored keyring rotation settings are not valid JSON; the configuration applies',
        );
      }
    }
    return { base: row.last_run_at ?? row.created_at, last: row.last_run_at };
  };

  /** One look at the shared state: rotate when due and this replica wins the lease. */
  const tick = async () => {
    const job = await readJob();
    auto.lastRotatedAt = job.last;
    auto.nextAt = dueAfter(new Date(job.base));
    const now = clock.now();
    if (!auto.enabled || auto.nextAt > now.getTime() || s.state === 'running') return;
    // The lease row is claimed only while it still says what we read: a replica that rotated in
    // between moved last_run_at on, so this one does not rotate a second time for the same due time.
    const claimed = await claimRows<{ name: string }>(storage, {
      table: 'job_state',
      keys: ['name'],
      orderBy: 'name',
      limit: 1,
      owner,
      where:
        job.last === null
          ? sql`name = ${KEYRING_ROTATION_JOB} and last_run_at is null`
          : sql`name = ${KEYRING_ROTATION_JOB} and last_run_at = ${job.last}`,
      now: now.toISOString(),
      until: new Date(now.getTime() + leaseMs).toISOString(),
    });
    if (claimed.length === 0) return;
    try {
      const st = await perform();
      deps.logger?.info({ kek: st.target_kek, next_at: new Date(auto.nextAt).toISOString() }, 'scheduled keyring rotation');
      await running?.catch(() => {});
    } finally {
      await storage
        .withTenant('*', (ex) =>
          ex
            .updateTable('job_state')
            .set({ lease_owner: null, lease_until: null })
            .where('name', '=', KEYRING_ROTATION_JOB)
            .where('lease_owner', '=', owner)
            .execute(),
        )
        .catch(() => {});
    }
  };

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stopping) return;
    if (!auto.enabled) auto.nextAt = null;
    else if (auto.nextAt === null) auto.nextAt = dueAfter(auto.lastRotatedAt ? new Date(auto.lastRotatedAt) : clock.now());
    // Wake at the due time, and at least every checkSeconds (disabled too) to see what other
    // replicas did: a rotation, or a toggle of the schedule.
    const wait = auto.nextAt === null ? checkMs : Math.max(200, Math.min(checkMs, auto.nextAt - clock.now().getTime()));
    timer = setTimeout(() => {
      void tick()
        .catch((e: Error) =>
          deps.logger?.error({ reason: e.message?.slice(0, 200) }, 'scheduled keyring rotation failed; retried at the next check'),
        )
        .finally(schedule);
    }, wait);
    timer.unref();
  };

  return {
    status,
    perform,
    /** Resolves when the background re-wrap (if any) ends. */
    wait: () => running ?? Promise.resolve(),
    /** Toggles the automatic rotation for every replica: kept in the shared row (other replicas
     *  follow at their next check, restarts keep it), applied here at once. */
    async setAuto(enabled: boolean, intervalHours?: number) {
      const at = clock.now().toISOString();
      const settings = JSON.stringify({ enabled, interval_hours: intervalHours ?? auto.intervalHours });
      await ensureJob();
      await storage.withTenant('*', (ex) =>
        ex.updateTable('job_state').set({ settings, settings_at: at }).where('name', '=', KEYRING_ROTATION_JOB).execute(),
      );
      await readJob().then((job) => {
        auto.lastRotatedAt = job.last;
        auto.nextAt = enabled ? dueAfter(new Date(job.base)) : null;
      });
      schedule();
      return status();
    },
    /** The status after a look at the shared row (what another replica toggled or rotated). */
    async sharedStatus() {
      const job = await readJob();
      auto.lastRotatedAt = job.last;
      auto.nextAt = auto.enabled ? dueAfter(new Date(job.base)) : null;
      return status();
    },
    /** Reads the shared state, then checks on schedule (also the first check, right away, when overdue). */
    async start() {
      await tick().catch((e: Error) =>
        deps.logger?.error({ reason: e.message?.slice(0, 200) }, 'could not read the keyring rotation schedule; retried at the next check'),
      );
      schedule();
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => {});
    },
  };
};

export type KeyRotation = ReturnType<typeof createKeyRotation>;
