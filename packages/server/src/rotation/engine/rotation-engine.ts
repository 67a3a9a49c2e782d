// The durable rotation state machine: create (pending stored before the target is touched) → set →
// test → finish (labels move) → revoke (emergency). Each step is persisted; a failed set/test rolls
// the target back and abandons pending; a crashed run is resumed from its stored step by any server.
// Value-only rotators (no target) persist create+set+test in one transaction and finish in another.
import { KeyhavenError, isKeyhavenError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { defaultGeneratorFor, type SecretType } from '../generators/defaults.js';
import type { CredentialValue, Rotator } from '../rotator-types.js';
import type { EngineDeps, EngineScope, RotationPlan, RunResult, RunStatus, RunStep } from './engine-types.js';
import type { Executor } from '../../storage/database.js';
import type { ConfigRow, RunRow } from './rotation-store.js';

const SYSTEM_ACTOR = { tokenId: 'system:rotation', name: 'rotation-engine' };

/** A safe error for history, audit and replies: catalogue errors keep their (value-free) message. */
export const safeError = (e: unknown): { code: string; message: string } =>
  isKeyhavenError(e)
    ? { code: e.code, message: e.message.slice(0, 1000) }
    : { code: 'INTERNAL', message: 'An unexpected error stopped the rotation; see the server log.' };

const usernameOf = (v: unknown) => (v && typeof v === 'object' ? (v as { username?: unknown }).username : undefined);

interface RunContext {
  scope: EngineScope;
  rotator: Rotator;
  current: CredentialValue | null;
  config?: ConfigRow;
}

export const createRotationEngine = (deps: EngineDeps) => {
  const { store, secrets, clock } = deps;
  const nowIso = () => clock.now().toISOString();
  const leaseUntil = () => new Date(clock.now().getTime() + deps.leaseMs).toISOString();
  const scopeOf = (run: Pick<RunRow, 'tenant_id' | 'actor_id' | 'actor_name'>): EngineScope => ({
    tenant: run.tenant_id,
    actor: run.actor_id ? { tokenId: run.actor_id, name: run.actor_name ?? '' } : SYSTEM_ACTOR,
  });

  const persist = async (run: RunRow, patch: Partial<RunRow>) => {
    Object.assign(run, patch, { lease_until: leaseUntil(), lease_owner: deps.owner });
    await store.updateRun(run.tenant_id, run.id, { ...patch, lease_until: run.lease_until, lease_owner: deps.owner });
    deps.observer?.stepPersisted?.(run);
  };

  const audit = (run: RunRow, outcome: 'attempt' | 'success' | 'error', error?: { code: string }) =>
    deps.audit({
      time: nowIso(),
      tenant: run.tenant_id,
      actor_id: run.actor_id,
      actor_name: run.actor_name ?? SYSTEM_ACTOR.name,
      actor_kind: 'system',
      action:
        run.method === 'emergency' ? 'secret.emergency_rotate' : run.method === 'rollback' ? 'secret.rotation_rollback' : 'secret.rotate',
      resource: run.secret_name,
      outcome,
      status: null,
      error_code: error?.code ?? null,
      source_ip: null,
      user_agent: null,
      request_id: null,
      version: outcome === 'success' ? run.new_version : null,
      value_hmac: run.value_hmac,
      details: {
        run_id: run.id,
        method: run.method,
        status: run.status,
        step: run.step,
        attempt: run.attempt,
        previous_version: run.previous_version,
        ...(run.reason ? { reason: run.reason.slice(0, 200) } : {}),
      },
    });

  const resultOf = (run: RunRow): RunResult => ({
    run_id: run.id,
    secret_name: run.secret_name,
    status: run.status as RunStatus,
    step: run.step as RunStep,
    method: run.method as RunResult['method'],
    previous_version: run.previous_version,
    new_version: run.new_version,
    next_retry_at: run.next_retry_at,
    duration_ms: run.duration_ms,
    ...(run.error_code ? { error: { code: run.error_code, message: run.error_message ?? '' } } : {}),
  });

  const readAdmin = async (tenant: string, config: ConfigRow | undefined): Promise<Record<string, unknown> | undefined> => {
    if (!config?.admin_credential_secret) return undefined;
    const admin = await secrets.read({ tenant, actor: SYSTEM_ACTOR }, config.admin_credential_secret);
    if (!admin.value || typeof admin.value !== 'object') {
      throw new KeyhavenError(
        'ROTATOR_CONFIG_INVALID',
        `The admin credential secret "${config.admin_credential_secret}" must hold a JSON object such as {username, password, host, port}.`,
        [{ path: 'admin_credential_secret', message: 'must be a JSON object' }],
      );
    }
    return admin.value as Record<string, unknown>;
  };

  /** The per-target rate limit, before anything is started: refused rotations leave no run behind. */
  const admit = async (plan: RotationPlan, config: ConfigRow | null | undefined, kind: string) => {
    if (!deps.limiter || !deps.targetOf || plan.method === 'emergency') return;
    let key: string | null = null;
    try {
      const admin = config ? await readAdmin(plan.tenant, config) : undefined;
      key = deps.targetOf(kind, config ? JSON.parse(config.rotator_config) : {}, admin);
    } catch {
      return; // an unreadable config or admin credential fails the run itself, with its own error
    }
    if (key === null || deps.limiter.take(key)) return;
    const wait = Math.ceil(deps.limiter.waitMs(key) / 1000);
    throw new KeyhavenError(
      'ROTATION_RATE_LIMITED',
      `The rotation of "${plan.secretName}" was not started: its target ${key} already had ${deps.limiter.perMinute} rotations started in the last minute (rotation.maxRotationsPerTargetPerMinute). The secret stays due; a later run rotates it (retry in about ${wait} s).`,
      { secret_name: plan.secretName, target: key, limit_per_minute: deps.limiter.perMinute, retry_after_seconds: wait },
    );
  };

  const loadContext = async (run: RunRow, known?: ConfigRow | null): Promise<RunContext> => {
    const scope = scopeOf(run);
    const config = known !== undefined ? (known ?? undefined) : await store.readConfig(run.tenant_id, run.secret_name);
    const adminCredential = await readAdmin(run.tenant_id, config);
    const rotator = deps.rotators(run.rotator_kind, {
      config: config ? JSON.parse(config.rotator_config) : {},
      adminCredential,
      timeoutMs: deps.timeoutMs,
    });
    const current =
      run.previous_version == null
        ? null
        : ((await secrets.read(scope, run.secret_name, { version: run.previous_version })).value as CredentialValue);
    return { scope, rotator, current, config };
  };

  /** The value to store as pending: supplied, or generated and shaped by the rotator. */
  const pendingValue = async (
    run: RunRow,
    ctx: RunContext,
    supplied: CredentialValue | undefined,
    secretType: string,
  ): Promise<CredentialValue> => {
    if (supplied !== undefined) return typeof supplied === 'string' ? ctx.rotator.prepare(ctx.current, supplied) : supplied;
    const choice = ctx.config
      ? { kind: ctx.config.generator_kind, options: JSON.parse(ctx.config.generator_options) as unknown }
      : defaultGeneratorFor((secretType as SecretType) ?? 'generic');
    const generated = await deps.generate(choice.kind, choice.options);
    if (typeof generated === 'string') return ctx.rotator.prepare(ctx.current, generated);
    // Object values (SSH key pairs, certificates) are stored as they are; only value-only rotators take them.
    if (run.rotator_kind !== 'generated') {
      throw new KeyhavenError(
        'ROTATOR_CONFIG_INVALID',
        `The "${choice.kind}" generator makes an object value, which only the "generated" rotator can store.`,
        [{ path: 'generator', message: 'object-valued generator needs the generated rotator' }],
      );
    }
    return generated;
  };

  const retryAt = (failures: number) =>
    new Date(clock.now().getTime() + Math.min(deps.retry.maxMs, deps.retry.baseMs * 2 ** Math.max(0, failures - 1))).toISOString();

  /** Ends a run: run row and registration in one transaction (with the label move when `promote`),
   *  then audit and events. Nothing slow runs inside the transaction. */
  /** After a successful rotation the expiry lead has been acted on: if the stored expiry did not move
   *  (a value whose expiry Keyhaven cannot know), counting from it again would make the secret due at
   *  once, forever (the rotation storm). Then the next rotation follows the interval or cron alone. */
  const nextAfterSuccess = (config: ConfigRow, at: Date, expiresAt: string | null) => {
    const next = deps.nextRotationAt(config, at, expiresAt);
    return next !== null && Date.parse(next) > at.getTime() ? next : deps.nextRotationAt(config, at, null);
  };
  const conclude = async (
    run: RunRow,
    status: RunStatus,
    error?: { code: string; message: string },
    opts: { expiresAt?: string | null; promote?: EngineScope } = {},
  ) => {
    const at = clock.now();
    const atIso = at.toISOString();
    const finished: Partial<RunRow> = {
      status,
      ...(status === 'success' ? { step: 'done' } : {}),
      finished_at: atIso,
      duration_ms: at.getTime() - Date.parse(run.started_at),
      lease_owner: null,
      lease_until: null,
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
    };
    const expiresAt =
      status === 'success' && opts.expiresAt === undefined
        ? ((await store.readSecretFacts(run.tenant_id, run.secret_name))?.expires_at ?? null)
        : (opts.expiresAt ?? null);
    const data = {
      name: run.secret_name,
      run_id: run.id,
      method: run.method,
      status,
      previous_version: run.previous_version,
      new_version: run.new_version,
      ...(error ? { error_code: error.code } : {}),
    };
    const outcomes =
      status === 'success'
        ? [
            run.method === 'rollback' ? ('secret.rolled_back' as const) : ('secret.rotated' as const),
            ...(run.method === 'emergency' ? ['secret.emergency_rotated' as const] : []),
          ]
        : ['secret.rotation_failed' as const];
    const apply = async (trx: Executor) => {
      for (const type of outcomes)
        await deps.outbox?.record(trx, { type, tenant: run.tenant_id, time: atIso, secret: { name: run.secret_name }, data });
      const config = await store.getConfigById(trx, run.tenant_id, run.secret_id);
      if (config) {
        let configPatch: Partial<ConfigRow>;
        if (status === 'success') {
          configPatch = {
            last_rotated_at: atIso,
            last_status: status,
            failure_count: 0,
            next_retry_at: null,
            next_rotation_at: nextAfterSuccess(config, at, expiresAt),
            updated_at: atIso,
          };
        } else {
          const failures = config.failure_count + 1;
          const retry = run.method === 'emergency' || run.method === 'rollback' ? null : retryAt(failures);
          finished.next_retry_at = retry;
          configPatch = { last_status: status, failure_count: failures, next_retry_at: retry, updated_at: atIso };
        }
        if (config.lease_owner === deps.owner || (config.lease_until ?? '') < atIso)
          Object.assign(configPatch, { lease_owner: null, lease_until: null });
        await store.updateRun(run.tenant_id, run.id, finished, trx);
        await store.updateConfig(trx, run.tenant_id, run.secret_id, configPatch);
      } else {
        await store.updateRun(run.tenant_id, run.id, finished, trx);
      }
    };
    if (opts.promote) await secrets.promotePending(opts.promote, run.secret_name, run.new_version!, { inTransaction: apply });
    else await deps.storage.transaction(run.tenant_id, apply);
    Object.assign(run, finished);
    deps.observer?.stepPersisted?.(run);
    await audit(run, status === 'success' ? 'success' : 'error', error).catch(() => undefined);
    if (status === 'success') {
      deps.publish({ type: 'secret.rotated', time: atIso, tenant: run.tenant_id, data });
      if (run.method === 'emergency') deps.publish({ type: 'secret.emergency_rotated', time: atIso, tenant: run.tenant_id, data });
    } else {
      deps.publish({ type: 'secret.rotation_failed', time: atIso, tenant: run.tenant_id, data });
    }
    return resultOf(run);
  };

  /** Leaves a run in progress for the next engine run (lease released at once). */
  const suspend = async (run: RunRow, e: unknown) => {
    const err = safeError(e);
    await store
      .updateRun(run.tenant_id, run.id, { lease_until: nowIso(), error_code: err.code, error_message: err.message })
      .catch(() => undefined);
    deps.observer?.suspended?.(run, err.code);
    return { ...resultOf(run), error: err };
  };

  /** A fresh run of a value-only rotator: the pending value and the run row (at step `tested`: set and
   *  test are no-ops) commit together, then the label move, history and registration commit together. */
  const driveValueOnly = async (
    run: RunRow,
    ctx: RunContext,
    supplied: CredentialValue | undefined,
    secretType: string,
    expiresAt: string | null,
  ): Promise<RunResult> => {
    const { rotator, scope } = ctx;
    try {
      let value: CredentialValue;
      try {
        value = await pendingValue(run, ctx, supplied, secretType);
      } catch (e) {
        await store.insertRun(run);
        return await conclude(run, 'failed', safeError(e));
      }
      const opened = { ...run };
      try {
        await secrets.write(scope, run.secret_name, value, {
          label: 'pending',
          inTransaction: async (trx, w) => {
            // Labels as they are under this transaction's lock (batch facts may be a moment old).
            const prior = w.before;
            if (prior)
              Object.assign(run, {
                previous_version: prior.current_version,
                revoke_versions: JSON.stringify([prior.current_version, prior.previous_version].filter((v) => v != null)),
              });
            Object.assign(run, { step: 'tested', new_version: w.version, lease_until: leaseUntil() });
            await store.insertRun(run, trx);
          },
        });
      } catch (e) {
        if (isKeyhavenError(e) && e.code === 'ROTATION_IN_PROGRESS') throw e;
        if (isKeyhavenError(e) && (e.code === 'SECRET_DELETED' || e.code === 'SECRET_NOT_FOUND'))
          throw new KeyhavenError('SECRET_NOT_FOUND', `No secret named "${run.secret_name}" in this tenant.`);
        // Nothing was stored: record the failed attempt.
        Object.assign(run, opened);
        await store.insertRun(run);
        return await conclude(run, 'failed', safeError(e));
      }
      deps.observer?.stepPersisted?.(run);
      try {
        await rotator.finish?.(value, ctx.current);
        return await conclude(run, 'success', undefined, { expiresAt, promote: scope });
      } catch (e) {
        return await suspend(run, e);
      }
    } finally {
      await rotator.close().catch(() => undefined);
    }
  };

  /** Drives a run from its stored step to a consistent end. */
  const drive = async (
    run: RunRow,
    supplied?: CredentialValue,
    secretType = 'generic',
    known: { config?: ConfigRow | null; facts?: { pending_version: number | null; expires_at: string | null } } = {},
  ): Promise<RunResult> => {
    let ctx: RunContext;
    try {
      ctx = await loadContext(run, known.config);
    } catch (e) {
      if (run.step === 'started') return conclude(run, 'failed', safeError(e));
      // Pending exists but the target cannot be driven now (e.g. admin secret unreadable): try again later.
      await persist(run, { lease_until: nowIso() });
      deps.observer?.suspended?.(run, safeError(e).code);
      return { ...resultOf(run), error: safeError(e) };
    }
    const { rotator, scope } = ctx;
    let pendingValueStored: CredentialValue | undefined;
    try {
      // create: the pending version exists in Keyhaven before anything changes on the target.
      if (run.step === 'started') {
        const facts = known.facts ?? (await store.readSecretFacts(run.tenant_id, run.secret_name));
        if (facts?.pending_version != null && facts.pending_version > (run.previous_version ?? 0) && supplied === undefined) {
          await persist(run, { step: 'created', new_version: facts.pending_version }); // written before a crash: adopt it
        } else if (run.supplied && supplied === undefined) {
          return await conclude(run, 'failed', {
            code: 'ROTATION_FAILED',
            message: 'The server stopped before the supplied value was stored; nothing changed. Run the rotation again.',
          });
        } else {
          let value: CredentialValue;
          try {
            value = await pendingValue(run, ctx, supplied, secretType);
          } catch (e) {
            return await conclude(run, 'failed', safeError(e));
          }
          const written = await secrets.write(scope, run.secret_name, value, { label: 'pending' });
          await persist(run, { step: 'created', new_version: written.version });
          pendingValueStored = value;
        }
      }
      const pending =
        pendingValueStored ?? ((await secrets.read(scope, run.secret_name, { version: run.new_version! })).value as CredentialValue);
      // set + test: any failure rolls the target back and abandons pending; current stays valid.
      if (run.step === 'created' || run.step === 'set') {
        try {
          if (run.step === 'created') {
            await rotator.set(pending, ctx.current);
            await persist(run, { step: 'set' });
          }
          await rotator.test(pending);
          await persist(run, { step: 'tested' });
        } catch (e) {
          const err = safeError(e);
          // set refused or never reached: the target did not change, so a failed rollback is no loss.
          const unchanged = run.step === 'created' && (err.code === 'ROTATION_TARGET_UNREACHABLE' || err.code === 'ROTATION_SET_FAILED');
          let status: RunStatus = 'rolled_back';
          let message = `${err.message} The target was rolled back and version ${run.previous_version ?? '-'} stays current.`;
          try {
            await rotator.rollback(pending, ctx.current);
          } catch (re) {
            if (unchanged) {
              await secrets.abandonPending(scope, run.secret_name, run.new_version!);
              return await conclude(run, err.code === 'ROTATION_SET_FAILED' ? 'rolled_back' : 'failed', {
                code: err.code,
                message: `${err.message} Nothing was changed on the target; version ${run.previous_version ?? '-'} stays current.`.slice(
                  0,
                  1000,
                ),
              });
            }
            status = 'partial';
            message = `${err.message} Rolling back failed too (${safeError(re).message}) Manual step: make the target accept current version ${run.previous_version ?? '-'} again; pending version ${run.new_version} was marked failed.`;
          }
          await secrets.abandonPending(scope, run.secret_name, run.new_version!);
          return await conclude(run, status, { code: err.code, message: message.slice(0, 1000) });
        }
      }
      // finish: provider hook, then labels move (both idempotent).
      if (run.step === 'tested') {
        await rotator.finish?.(pending, ctx.current);
        await secrets.promotePending(scope, run.secret_name, run.new_version!);
        await persist(run, { step: 'finished' });
      }
      // revoke (emergency): the retired credentials stop working at once; never the new one.
      if (run.step === 'finished' && run.method === 'emergency') {
        const versions = (JSON.parse(run.revoke_versions ?? '[]') as number[]).filter((v) => v !== run.new_version);
        const failures: string[] = [];
        for (const v of versions) {
          const old = (await secrets.read(scope, run.secret_name, { version: v }).catch(() => null))?.value as CredentialValue | undefined;
          if (old == null || (usernameOf(old) !== undefined && usernameOf(old) === usernameOf(pending))) continue;
          if (typeof old !== 'object' && typeof pending !== 'object') continue; // value-only secrets: nothing to revoke on a target
          try {
            await rotator.revoke(old);
          } catch (e) {
            failures.push(`version ${v}: ${safeError(e).message}`);
          }
        }
        if (failures.length) {
          return await conclude(run, 'partial', {
            code: 'ROTATION_REVOKE_FAILED',
            message:
              `Version ${run.new_version} is current, but revoking the old credentials failed; revoke them by hand at once. ${failures.join(' ')}`.slice(
                0,
                1000,
              ),
          });
        }
        await persist(run, { step: 'revoked' });
      }
      return await conclude(run, 'success', undefined, { expiresAt: known.facts?.expires_at });
    } catch (e) {
      // Storage or an unexpected error mid-run: leave the run in progress for the next engine run (lease released).
      return await suspend(run, e);
    } finally {
      await rotator.close().catch(() => undefined);
    }
  };

  return {
    /** Starts and drives one rotation. The caller holds the registration lease when there is one. */
    async rotate(plan: RotationPlan, secretType?: string): Promise<RunResult> {
      const facts = plan.facts ?? (await store.readSecretFacts(plan.tenant, plan.secretName));
      if (!facts || facts.deleted_at) throw new KeyhavenError('SECRET_NOT_FOUND', `No secret named "${plan.secretName}" in this tenant.`);
      const config = plan.config !== undefined ? plan.config : await store.readConfig(plan.tenant, plan.secretName);
      if (!config && plan.supplied === undefined && plan.method !== 'emergency') {
        throw new KeyhavenError(
          'ROTATION_NOT_REGISTERED',
          `"${plan.secretName}" is not registered for rotation; register it with POST /secrets/register first.`,
        );
      }
      // Attempt n of a failing streak: the registration counts failures (reset by a success).
      let attempt = config ? config.failure_count + 1 : 1;
      if (!config) {
        const last = await deps.storage.withTenant(plan.tenant, (ex) =>
          store.history(ex, plan.tenant, { secret_name: plan.secretName, limit: 1 }),
        );
        attempt = last[0] && last[0].status !== 'success' ? last[0].attempt + 1 : 1;
      }
      await admit(plan, config, config?.rotator_kind ?? 'generated');
      const at = nowIso();
      const run: RunRow = {
        id: newId('rot'),
        tenant_id: plan.tenant,
        secret_id: facts.id,
        secret_name: plan.secretName,
        status: 'in_progress',
        step: 'started',
        method: plan.method,
        attempt,
        rotator_kind: config?.rotator_kind ?? 'generated',
        previous_version: facts.current_version,
        new_version: null,
        revoke_versions: JSON.stringify([facts.current_version, facts.previous_version].filter((v) => v != null)),
        supplied: plan.supplied === undefined ? 0 : 1,
        value_hmac: typeof plan.supplied === 'string' && plan.method === 'emergency' ? deps.fingerprint(plan.supplied) : null,
        reason: plan.reason?.slice(0, 500) ?? null,
        actor_id: plan.actor?.tokenId ?? null,
        actor_name: plan.actor?.name ?? null,
        error_code: null,
        error_message: null,
        started_at: at,
        finished_at: null,
        duration_ms: null,
        next_retry_at: null,
        lease_owner: deps.owner,
        lease_until: leaseUntil(),
      };
      await audit(run, 'attempt'); // fail closed: no audit, no rotation
      const type = secretType ?? facts.type;
      deps.observer?.runStarted?.(run, type);
      const adopt = facts.pending_version != null && facts.pending_version > (facts.current_version ?? 0) && plan.supplied === undefined;
      if (deps.valueOnly(run.rotator_kind) && !adopt) {
        let ctx: RunContext;
        try {
          ctx = await loadContext(run, config);
        } catch (e) {
          await store.insertRun(run);
          return conclude(run, 'failed', safeError(e));
        }
        return driveValueOnly(run, ctx, plan.supplied, type, facts.expires_at);
      }
      await store.insertRun(run);
      return drive(run, plan.supplied, type, { config, facts });
    },

    /** Resumes runs whose server crashed or stopped (expired lease). Returns their results. */
    async recover(limit = 100): Promise<RunResult[]> {
      const stale = await store.claimStaleRuns({ owner: deps.owner, now: nowIso(), until: leaseUntil(), limit });
      const out: RunResult[] = [];
      for (const run of stale) {
        // A crash before the pending write leaves nothing to resume: start over from create (a fresh value).
        out.push(await drive(run));
      }
      return out;
    },

    resultOf,
  };
};

export type RotationEngine = ReturnType<typeof createRotationEngine>;
