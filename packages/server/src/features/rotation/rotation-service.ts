// The rotation service: registration and schedules, manual / emergency / bulk rotation, rollback,
// due lists, batches and history. Validates everything before writing anything; the engine does the
// durable work.
import type { StorageHandle } from '../../storage/database.js';
import type { Clock } from '../../lib/clock.js';
import { fail, KeyhavenError } from '../../lib/errors.js';
import type { SecretService, Scope } from '../secrets/secret-service.js';
import type { SecretType } from '../secrets/secret-types.js';
import type { RotationEngine } from '../../rotation/engine/rotation-engine.js';
import type { BatchProgress, BatchRunner } from '../../rotation/engine/batch-runner.js';
import { mapPool } from '../../rotation/engine/batch-runner.js';
import type { ConfigRow, RotationStore, RunRow } from '../../rotation/engine/rotation-store.js';
import type { RunResult } from '../../rotation/engine/engine-types.js';
import { nextRotationAt, validateSchedule, type RotationWindow, type ScheduleSpec } from '../../rotation/engine/schedule.js';
import { checkRotatorEgress, getRotator, parseRotatorConfig } from '../../rotation/rotator-registry.js';
import { admitProvider } from '../../providers/provider-registry.js';
import type { ProviderContext } from '../../providers/provider-types.js';
import { generateValue, parseGeneratorOptions } from '../../rotation/generators/registry.js';
import { defaultGeneratorFor } from '../../rotation/generators/defaults.js';
import type { RegisterInput, ScheduleInput, Selector } from './rotation-schemas.js';

export interface RotationDefaults {
  intervalDays: Record<string, number>;
  concurrency: number;
  maxPerCall?: number;
}

export interface RotationServiceDeps {
  storage: StorageHandle;
  store: RotationStore;
  secrets: SecretService;
  engine: RotationEngine;
  batch: BatchRunner;
  clock: Clock;
  owner: string;
  leaseMs: number;
  defaults: RotationDefaults;
  /** Looks up a configured provider (POST /providers/configure) so that seed 000's `provider_name`
   *  alone is enough to register a provider-backed secret. */
  resolveProvider?: (
    scope: Scope,
    id: string,
  ) => Promise<{ kind: string; config: Record<string, unknown>; credentialSecret: string | null }>;
  /** The operator's settings for providers that reach the server's process or files: a provider
   *  rotation of a disabled kind, or outside the allowed directories, is refused at registration. */
  providers?: ProviderContext;
}

const specOf = (c: ConfigRow, expiresAt: string | null): ScheduleSpec => ({
  interval_days: c.interval_days,
  cron: c.cron,
  timezone: c.timezone,
  window: c.rotation_window ? (JSON.parse(c.rotation_window) as RotationWindow) : null,
  expires_at: expiresAt,
  rotate_before_expiry_days: c.rotate_before_expiry_days,
});

/** A registration as the API shows it (seed 000 `secrets_rotation_schedule` names). */
export const viewOf = (c: ConfigRow) => ({
  secret_name: c.secret_name,
  secret_type: c.secret_type,
  provider_name: c.provider_name,
  rotator: c.rotator_kind,
  rotator_config: JSON.parse(c.rotator_config) as unknown,
  admin_credential_secret: c.admin_credential_secret,
  generator: { kind: c.generator_kind, options: JSON.parse(c.generator_options) as unknown },
  rotation_interval_days: c.interval_days,
  cron: c.cron,
  timezone: c.timezone,
  window: c.rotation_window ? (JSON.parse(c.rotation_window) as unknown) : null,
  auto_rotation_enabled: c.auto_rotation === 1,
  criticality: c.criticality,
  rotate_before_expiry_days: c.rotate_before_expiry_days,
  description: c.description,
  next_rotation_date: c.next_rotation_at,
  last_rotation_date: c.last_rotated_at,
  last_status: c.last_status,
  failure_count: c.failure_count,
  next_retry_at: c.next_retry_at,
  created_at: c.created_at,
  updated_at: c.updated_at,
});

/** A history row (seed 000 `secrets_rotation_history` names); never a value. */
export const historyView = (r: RunRow) => ({
  id: r.id,
  secret_name: r.secret_name,
  rotation_date: r.started_at,
  rotation_status: r.status,
  step: r.step,
  rotation_method: r.method,
  previous_version: r.previous_version,
  new_version: r.new_version,
  duration_seconds: r.duration_ms == null ? null : r.duration_ms / 1000,
  attempt: r.attempt,
  actor: r.actor_name ?? (r.actor_id ? r.actor_id : 'scheduler'),
  reason: r.reason,
  rotator: r.rotator_kind,
  error_code: r.error_code,
  error_message: r.error_message,
  next_retry_at: r.next_retry_at,
  finished_at: r.finished_at,
});

export const createRotationService = (deps: RotationServiceDeps) => {
  const { storage, store, secrets, engine, clock } = deps;
  const now = () => clock.now();
  const intervalFor = (type: string) => deps.defaults.intervalDays[type] ?? deps.defaults.intervalDays.other ?? 90;

  const getConfig = async (tenant: string, name: string) => {
    const c = await store.readConfig(tenant, name);
    if (!c)
      throw fail('ROTATION_NOT_REGISTERED', `"${name}" is not registered for rotation; register it with POST /secrets/register first.`);
    return c;
  };

  const expiryOf = async (tenant: string, name: string) =>
    (await storage.withTenant(tenant, (ex) => store.secretFacts(ex, tenant, name)))?.expires_at ?? null;

  const nextFor = (c: ConfigRow, from: Date, expiresAt: string | null) =>
    nextRotationAt(specOf(c, expiresAt), from, intervalFor(c.secret_type)).toISOString();
  const computeNext = async (c: ConfigRow, from: Date) => nextFor(c, from, await expiryOf(c.tenant_id, c.secret_name));

  const throwIfFailed = (r: RunResult) => {
    if (r.status === 'success') return r;
    if (r.status === 'in_progress') {
      throw new KeyhavenError(
        'ROTATION_FAILED',
        `The rotation of "${r.secret_name}" stopped at step "${r.step}" (${r.error?.message ?? 'interrupted'}); the engine will resume it.`,
        r,
      );
    }
    const code = (r.error?.code ?? 'ROTATION_FAILED') as ConstructorParameters<typeof KeyhavenError>[0];
    throw new KeyhavenError(
      code,
      `Rotation of "${r.secret_name}" ${r.status === 'rolled_back' ? 'was rolled back' : r.status === 'partial' ? 'is partial' : 'failed'}: ${r.error?.message ?? ''}`.slice(
        0,
        1200,
      ),
      r,
    );
  };

  /** Runs a rotation of one secret under its registration lease (if registered). */
  const runOne = async (
    scope: Scope,
    name: string,
    plan: Omit<Parameters<RotationEngine['rotate']>[0], 'tenant' | 'secretName' | 'actor'>,
  ) => {
    const c = await store.readConfig(scope.tenant, name);
    const at = now();
    if (
      c &&
      !(await store.claimOne(scope.tenant, c.secret_id, deps.owner, at.toISOString(), new Date(at.getTime() + deps.leaseMs).toISOString()))
    ) {
      throw fail('ROTATION_IN_PROGRESS', `A rotation of "${name}" is already running; wait for it to finish.`);
    }
    try {
      return await engine.rotate({ ...plan, tenant: scope.tenant, secretName: name, actor: scope.actor, config: c ?? null });
    } finally {
      if (c) await store.releaseConfig(scope.tenant, c.secret_id, deps.owner).catch(() => undefined);
    }
  };

  /** The secrets a selector takes, each with whether it is registered; see selectorSchema. */
  const selectSecrets = async (
    scope: Scope,
    sel: Selector,
    denied: string[] = [],
  ): Promise<Array<{ name: string; registered: boolean; rotator: string | null }>> => {
    const configs = new Map(
      (await storage.withTenant(scope.tenant, (ex) => store.listConfigs(ex, scope.tenant))).map((c) => [c.secret_name, c]),
    );
    const out: Array<{ name: string; registered: boolean; rotator: string | null }> = [];
    let cursor: string | undefined;
    do {
      const page = await secrets.list(scope, {
        tags: sel.tag ? [sel.tag] : undefined,
        service: sel.service,
        prefix: sel.prefix,
        type: sel.type,
        criticality: sel.criticality,
        limit: 500,
        cursor,
      });
      for (const item of page.items) {
        const c = configs.get(item.name);
        if (sel.provider && c?.provider_name !== sel.provider) continue;
        if (!c && !sel.include_unregistered) continue;
        // A custom role's conditional denies (a tag, an environment) hold for bulk rotation too.
        if (scope.may && !scope.may.allows('rotate', { name: item.name, environment: item.environment, tags: item.tags })) {
          denied.push(item.name);
          continue;
        }
        out.push({ name: item.name, registered: Boolean(c), rotator: c?.rotator_kind ?? null });
      }
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return out;
  };

  /** How many secrets the selector leaves out because they are not registered (told in a dry run). */
  const unregisteredLeftOut = async (scope: Scope, sel: Selector, taken: number) =>
    sel.include_unregistered || sel.provider ? 0 : (await selectSecrets(scope, { ...sel, include_unregistered: true })).length - taken;

  return {
    async register(scope: Scope, input: RegisterInput) {
      const existing = await storage.withTenant(scope.tenant, (ex) => store.secretFacts(ex, scope.tenant, input.secret_name));
      const type = (input.secret_type ?? existing?.type ?? 'generic') as SecretType;
      // Validate every part before anything is written.
      let kind = input.rotator ?? 'generated';
      if (input.provider_name && !input.rotator) {
        try {
          getRotator('provider');
          kind = 'provider';
        } catch {
          throw fail(
            'PROVIDER_ROTATOR_UNAVAILABLE',
            `Provider-backed rotation for "${input.provider_name}" needs the "provider" rotator, which this server does not have; pass "rotator" (e.g. "generated") to rotate the value in Keyhaven instead.`,
            { provider_name: input.provider_name },
          );
        }
      }
      let rawRotatorConfig = input.rotator_config;
      let adminSecret = input.admin_credential_secret;
      if (kind === 'provider' && input.provider_name && !rawRotatorConfig && deps.resolveProvider) {
        // Seed 000: provider_name names a configured provider; its kind, config and stored credential
        // complete the rotator configuration, and the remote secret has the same name.
        const p = await deps.resolveProvider(scope, input.provider_name);
        rawRotatorConfig = { provider_kind: p.kind, provider_config: p.config, remote_name: input.secret_name };
        adminSecret ??= p.credentialSecret ?? undefined;
      }
      const rotatorDef = getRotator(kind);
      const rotatorConfig = parseRotatorConfig(kind, rawRotatorConfig ?? {});
      if (kind === 'provider') {
        const pc = rotatorConfig as { provider_kind: string; provider_config: unknown };
        await admitProvider(pc.provider_kind, pc.provider_config, deps.providers);
      }
      if (rotatorDef.capabilities.needsAdminCredential && !adminSecret) {
        throw fail(
          'ROTATOR_CONFIG_INVALID',
          `The "${kind}" rotator needs "admin_credential_secret": the name of a Keyhaven secret holding the admin credential.`,
          [{ path: 'admin_credential_secret', message: 'required' }],
        );
      }
      let adminCredential: Record<string, unknown> | undefined;
      if (adminSecret) {
        const admin = await secrets.read(scope, adminSecret).catch((e) => {
          throw fail(
            'ROTATOR_CONFIG_INVALID',
            `The admin credential secret "${adminSecret}" cannot be read (${(e as KeyhavenError).code ?? 'error'}); create it first.`,
            [{ path: 'admin_credential_secret', message: 'not readable' }],
          );
        });
        if (!admin.value || typeof admin.value !== 'object')
          throw fail(
            'ROTATOR_CONFIG_INVALID',
            `The admin credential secret "${adminSecret}" must hold a JSON object such as {username, password, host, port}.`,
            [{ path: 'admin_credential_secret', message: 'must be a JSON object' }],
          );
        adminCredential = admin.value as Record<string, unknown>;
      }
      await checkRotatorEgress(kind, rotatorConfig, adminCredential, [], deps.providers?.egress); // EGRESS_FORBIDDEN before anything is stored
      const generator = input.generator
        ? { kind: input.generator.kind, options: input.generator.options ?? {} }
        : defaultGeneratorFor(type);
      parseGeneratorOptions(generator.kind, generator.options);
      const probe = await generateValue(generator.kind, generator.options); // proves the policy can be met (e.g. PASSWORD_POLICY_IMPOSSIBLE)
      const tz = input.timezone ?? input.window?.timezone ?? 'UTC';
      const spec: ScheduleSpec = {
        interval_days: input.cron ? null : (input.rotation_interval_days ?? intervalFor(type)),
        cron: input.cron ?? null,
        timezone: tz,
        window: input.window ?? null,
        rotate_before_expiry_days: input.rotate_before_expiry_days ?? null,
      };
      validateSchedule(spec);

      let created = false;
      if (!existing) {
        const initial =
          typeof probe === 'string'
            ? rotatorDef.create({ config: rotatorConfig, adminCredential, timeoutMs: 1000 }).prepare(null, probe)
            : probe;
        await secrets.create(scope, input.secret_name, initial, {
          type,
          description: input.description ?? null,
          criticality: input.criticality,
          tags: input.tags,
          service: input.service ?? null,
        });
        created = true;
      }
      const facts = (await storage.withTenant(scope.tenant, (ex) => store.secretFacts(ex, scope.tenant, input.secret_name)))!;
      const at = now();
      const prior = await storage.withTenant(scope.tenant, (ex) => store.getConfig(ex, scope.tenant, input.secret_name));
      const row: ConfigRow = {
        tenant_id: scope.tenant,
        secret_id: facts.id,
        secret_name: input.secret_name,
        secret_type: type,
        provider_name: input.provider_name ?? null,
        rotator_kind: kind,
        rotator_config: JSON.stringify(rotatorConfig),
        admin_credential_secret: adminSecret ?? null,
        generator_kind: generator.kind,
        generator_options: JSON.stringify(generator.options),
        interval_days: spec.interval_days ?? null,
        cron: spec.cron ?? null,
        timezone: tz,
        rotation_window: spec.window ? JSON.stringify(spec.window) : null,
        auto_rotation: input.auto_rotation_enabled === false ? 0 : 1,
        criticality: input.criticality ?? facts.criticality ?? 'medium',
        rotate_before_expiry_days: spec.rotate_before_expiry_days ?? null,
        description: input.description ?? null,
        next_rotation_at: null,
        last_rotated_at: prior?.last_rotated_at ?? null,
        last_status: prior?.last_status ?? null,
        failure_count: prior?.failure_count ?? 0,
        next_retry_at: prior?.next_retry_at ?? null,
        lease_owner: null,
        lease_until: null,
        created_at: prior?.created_at ?? at.toISOString(),
        updated_at: at.toISOString(),
      };
      row.next_rotation_at = nextRotationAt(
        { ...spec, expires_at: facts.expires_at },
        prior?.last_rotated_at ? new Date(prior.last_rotated_at) : at,
        intervalFor(type),
      ).toISOString();
      await storage.transaction(scope.tenant, (trx) => store.upsertConfig(trx, row));
      return { ...viewOf(row), secret_created: created, registered: true };
    },

    async schedule(scope: Scope, input: ScheduleInput) {
      const c = await getConfig(scope.tenant, input.secret_name);
      const next: ConfigRow = { ...c };
      if (input.cron !== undefined) {
        next.cron = input.cron;
        next.interval_days = null;
      }
      if (input.rotation_interval_days !== undefined) {
        next.interval_days = input.rotation_interval_days;
        if (input.cron === undefined) next.cron = null;
      }
      if (input.timezone !== undefined) next.timezone = input.timezone;
      if (input.window !== undefined) next.rotation_window = input.window ? JSON.stringify(input.window) : null;
      if (input.auto_rotation_enabled !== undefined) next.auto_rotation = input.auto_rotation_enabled ? 1 : 0;
      if (input.criticality !== undefined) next.criticality = input.criticality;
      if (input.rotate_before_expiry_days !== undefined) next.rotate_before_expiry_days = input.rotate_before_expiry_days;
      validateSchedule({ ...specOf(next, null), interval_days: next.interval_days, cron: next.cron });
      next.next_rotation_at = await computeNext(next, next.last_rotated_at ? new Date(next.last_rotated_at) : new Date(next.created_at));
      next.updated_at = now().toISOString();
      await storage.transaction(scope.tenant, (trx) =>
        store.updateConfig(trx, scope.tenant, c.secret_id, {
          cron: next.cron,
          interval_days: next.interval_days,
          timezone: next.timezone,
          rotation_window: next.rotation_window,
          auto_rotation: next.auto_rotation,
          criticality: next.criticality,
          rotate_before_expiry_days: next.rotate_before_expiry_days,
          next_rotation_at: next.next_rotation_at,
          updated_at: next.updated_at,
        }),
      );
      return viewOf(next);
    },

    async schedules(scope: Scope, opts: { criticality?: string } = {}) {
      return { items: (await storage.withTenant(scope.tenant, (ex) => store.listConfigs(ex, scope.tenant, opts))).map(viewOf) };
    },

    async due(scope: Scope, opts: { criticality?: string } = {}) {
      const items = await storage.withTenant(scope.tenant, (ex) =>
        store.listConfigs(ex, scope.tenant, { dueAt: now().toISOString(), criticality: opts.criticality }),
      );
      return { as_of: now().toISOString(), count: items.length, items: items.map(viewOf) };
    },

    async history(scope: Scope, f: { secret_name?: string; status?: string; method?: string; limit: number }) {
      return { items: (await storage.withTenant(scope.tenant, (ex) => store.history(ex, scope.tenant, f))).map(historyView) };
    },

    async rotate(scope: Scope, name: string, opts: { method?: 'manual' | 'automatic'; reason?: string } = {}) {
      return throwIfFailed(await runOne(scope, name, { method: opts.method ?? 'manual', reason: opts.reason, revokeOld: false }));
    },

    async emergencyRotate(scope: Scope, name: string, opts: { newValue?: string | Record<string, unknown>; reason?: string } = {}) {
      return throwIfFailed(
        await runOne(scope, name, { method: 'emergency', supplied: opts.newValue, reason: opts.reason, revokeOld: true }),
      );
    },

    async emergencyRotateBulk(
      scope: Scope,
      sel: Selector,
      opts: { dryRun?: boolean; confirm?: boolean; reason?: string; onProgress?: (p: BatchProgress) => void },
    ) {
      const denied: string[] = [];
      const selected = await selectSecrets(scope, sel, denied);
      const names = selected.map((s) => s.name);
      if (denied.length > 0) {
        throw fail(
          'FORBIDDEN',
          `The selection includes ${denied.length} secret(s) the token's role "${scope.may!.role}" may not rotate (${denied
            .slice(0, 5)
            .map((n) => `"${n}"`)
            .join(', ')}${denied.length > 5 ? ', …' : ''}); narrow the selector, or use a token with a role that may.`,
          { not_permitted: denied.length },
        );
      }
      if (opts.dryRun) {
        return {
          dry_run: true,
          count: names.length,
          secrets: names,
          items: selected,
          unregistered_left_out: await unregisteredLeftOut(scope, sel, names.length),
        };
      }
      if (!opts.confirm)
        throw fail(
          'ROTATION_CONFIRMATION_REQUIRED',
          `This would emergency-rotate ${names.length} secret(s); send "confirm": true to proceed (or "dry_run": true to list them).`,
          { count: names.length },
        );
      let done = 0;
      let succeeded = 0;
      const results = await mapPool(names, deps.defaults.concurrency, async (name) => {
        const r = await runOne(scope, name, { method: 'emergency', reason: opts.reason, revokeOld: true }).catch(
          (e: KeyhavenError) =>
            ({
              secret_name: name,
              status: 'failed',
              error: { code: e.code ?? 'INTERNAL', message: e.code ? e.message : 'unexpected error' },
            }) as const,
        );
        done++;
        if (r.status === 'success') succeeded++;
        opts.onProgress?.({ done, claimed: names.length, succeeded, failed: done - succeeded });
        return r;
      });
      return { dry_run: false, count: names.length, succeeded, failed: names.length - succeeded, results };
    },

    async rollback(scope: Scope, name: string, opts: { reason?: string } = {}) {
      const facts = await storage.withTenant(scope.tenant, (ex) => store.secretFacts(ex, scope.tenant, name));
      if (!facts || facts.deleted_at) throw fail('SECRET_NOT_FOUND', `No secret named "${name}" in this tenant.`);
      if (facts.previous_version == null) throw fail('ROTATION_NO_PREVIOUS_VERSION', `"${name}" has no previous version to roll back to.`);
      const previous = await secrets.read(scope, name, { version: facts.previous_version });
      const r = await runOne(scope, name, {
        method: 'rollback',
        supplied: previous.value as string | Record<string, unknown>,
        reason: opts.reason ?? `roll back to version ${facts.previous_version}`,
        revokeOld: false,
      });
      return { ...throwIfFailed(r), restored_from_version: facts.previous_version };
    },

    /** Rotates due secrets, at most `max` per call (default rotation.maxPerCall): `remaining` says how
     *  many due secrets were left for the next call, so a request never runs without bound. */
    async rotateDue(
      scope: Scope | null,
      opts: { dryRun?: boolean; criticality?: string; max?: number; onProgress?: (p: BatchProgress) => void } = {},
    ) {
      if (opts.dryRun) {
        if (!scope) throw fail('VALIDATION_FAILED', 'A dry run lists one tenant; send X-Tenant-ID.');
        const d = await this.due(scope, { criticality: opts.criticality });
        return { dry_run: true, count: d.count, secrets: d.items.map((i) => i.secret_name) };
      }
      const recovered = await engine.recover();
      const max = opts.max ?? deps.defaults.maxPerCall ?? 100;
      const s = await deps.batch.runDue({ tenant: scope?.tenant, criticality: opts.criticality, max, onProgress: opts.onProgress });
      return {
        dry_run: false,
        claimed: s.claimed,
        succeeded: s.succeeded,
        failed: s.failed,
        skipped: s.skipped,
        recovered: recovered.length,
        deferred: s.deferred,
        still_due: s.still_due,
        errors: s.errors,
        max,
        remaining: s.remaining,
        results: s.results.map((r) => ({ secret_name: r.secret_name, status: r.status, new_version: r.new_version, error: r.error })),
      };
    },

    computeNext,
    nextFor,
  };
};

export type RotationService = ReturnType<typeof createRotationService>;
