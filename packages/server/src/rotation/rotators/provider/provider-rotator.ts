// The "provider" rotator: the value lives in an external secret store (AWS SM, GCP SM, Vault, ...)
// and is rotated there with the store's own staging. Stores with labels: set stages the value as
// pending (AWSPENDING), test reads the pending version back, finish promotes it (AWSCURRENT/AWSPREVIOUS,
// AWSPENDING removed), rollback drops the pending stage. Stores without labels (Vault KV, k8s,
// dotenv): set writes a new version (check-and-set where supported), test reads it back, finish only
// verifies, rollback writes the current value back when the store holds the pending one. Every step is
// idempotent. The provider credential arrives as adminCredential (the engine reads it from the
// Keyhaven secret named by admin_credential_secret, e.g. keyhaven/providers/<id>/credential).
import { z } from 'zod';
import { KeyhavenError, isKeyhavenError, type ErrorCode } from '../../../lib/errors.js';
import { createProvider, getProvider } from '../../../providers/provider-registry.js';
import type { Provider, ProviderCapabilities, ProviderContext } from '../../../providers/provider-types.js';
import type { CredentialValue, Rotator, RotatorContext, RotatorDefinition } from '../../rotator-types.js';

export const providerRotatorConfigSchema = z
  .object({
    /** The Keyhaven provider configuration this rotation belongs to (informational, for listings). */
    provider_id: z.string().min(1).max(64).optional(),
    /** Registry kind (aws-sm, gcp-sm, azure-kv, vault, k8s, dotenv) and its non-secret config. */
    provider_kind: z.string().min(1).max(64),
    provider_config: z.record(z.unknown()).default({}),
    /** The secret's name in the external store. */
    remote_name: z.string().min(1).max(512),
    /** For object values: the field that receives the generated value; other fields are kept. */
    field: z.string().min(1).max(128).optional(),
  })
  .strict();
export type ProviderRotatorConfig = z.infer<typeof providerRotatorConfigSchema>;

export type ProviderFactory = (kind: string, config: unknown, credential: unknown, ctx?: ProviderContext) => Promise<Provider>;

const text = (v: CredentialValue) => (typeof v === 'string' ? v : JSON.stringify(v));

const stepError = (code: ErrorCode, step: string, remote: string, e?: unknown) => {
  const cause = isKeyhavenError(e) ? e.code : undefined;
  const why = isKeyhavenError(e) ? ` (${e.code}: ${e.message})` : '';
  return new KeyhavenError(code, `provider rotation, ${step} on "${remote}" failed${why}.`, {
    step,
    remote,
    ...(cause ? { providerError: cause } : {}),
  });
};

const mapped = (step: 'set' | 'test' | 'rollback' | 'finish', remote: string, e: unknown): KeyhavenError => {
  if (isKeyhavenError(e) && e.code.startsWith('ROTATION_')) return e;
  if (isKeyhavenError(e) && e.code === 'PROVIDER_UNAVAILABLE') return stepError('ROTATION_TARGET_UNREACHABLE', step, remote, e);
  return stepError(
    step === 'test' ? 'ROTATION_TEST_FAILED' : step === 'rollback' ? 'ROTATION_ROLLBACK_FAILED' : 'ROTATION_SET_FAILED',
    step,
    remote,
    e,
  );
};

const isNotFound = (e: unknown) => isKeyhavenError(e) && e.code === 'PROVIDER_SECRET_NOT_FOUND';

export const createProviderRotator = (ctx: RotatorContext<ProviderRotatorConfig>, factory: ProviderFactory = createProvider) => {
  const { config } = ctx;
  const remote = config.remote_name;
  const caps: ProviderCapabilities = getProvider(config.provider_kind).capabilities;
  let providerP: Promise<Provider> | undefined;
  const provider = () => (providerP ??= factory(config.provider_kind, config.provider_config, ctx.adminCredential, ctx.providers));
  const tryRead = async (p: Provider, ref?: { label: 'pending' | 'current' }) => {
    try {
      return await p.read(remote, ref);
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  };
  const step = async <T>(name: 'set' | 'test' | 'rollback' | 'finish', fn: (p: Provider) => Promise<T>): Promise<T> => {
    if (ctx.signal?.aborted) throw stepError('ROTATION_TARGET_UNREACHABLE', name, remote);
    try {
      return await fn(await provider());
    } catch (e) {
      throw mapped(name, remote, e);
    }
  };
  const staged = caps.labels;

  // Built apart from the return so the optional finish hook type-checks whether or not Rotator declares it yet.
  const rotator = {
    prepare(current: CredentialValue | null, generated: string): CredentialValue {
      if (!config.field) return generated;
      const base = current !== null && typeof current === 'object' ? current : {};
      return { ...base, [config.field]: generated };
    },

    set: (pending: CredentialValue, current: CredentialValue | null) =>
      step('set', async (p) => {
        const value = text(pending);
        const now = await tryRead(p);
        if (!now) {
          // Nothing in the store yet: seed it with the current value so the new one can be staged after it.
          if (current === null || !staged) {
            await p.write(remote, value);
            return;
          }
          await p.write(remote, text(current));
        }
        if (staged) {
          if ((await tryRead(p, { label: 'pending' }))?.value === value) return;
          await p.write(remote, value, { label: 'pending' });
          return;
        }
        if (now?.value === value) return;
        await p.write(remote, value, caps.cas && now ? { cas: now.version } : undefined);
      }),

    test: (pending: CredentialValue) =>
      step('test', async (p) => {
        const got = await tryRead(p, staged ? { label: 'pending' } : undefined);
        if (got?.value !== text(pending)) {
          // A finished rotation (crash after finish) is fine: the value is already current.
          if (staged && (await tryRead(p))?.value === text(pending)) return;
          throw new KeyhavenError(
            'ROTATION_TEST_FAILED',
            `provider rotation, test on "${remote}": the store does not hold the new value${staged ? ' under the pending label' : ''}.`,
            { step: 'test', remote },
          );
        }
      }),

    finish: (pending: CredentialValue, _current?: CredentialValue | null) =>
      step('finish', async (p) => {
        const value = text(pending);
        if (!staged) {
          if ((await tryRead(p))?.value !== value)
            throw new KeyhavenError(
              'ROTATION_SET_FAILED',
              `provider rotation, finish on "${remote}": the store does not hold the new value; run set again.`,
              { step: 'finish', remote },
            );
          return;
        }
        const pend = await tryRead(p, { label: 'pending' });
        if (pend && pend.value === value) {
          await p.promote!(remote, pend.version);
          return;
        }
        if ((await tryRead(p))?.value === value) return; // already promoted
        throw new KeyhavenError(
          'ROTATION_SET_FAILED',
          `provider rotation, finish on "${remote}": no pending version holds the new value; run set again.`,
          { step: 'finish', remote },
        );
      }),

    rollback: (pending: CredentialValue, current: CredentialValue | null) =>
      step('rollback', async (p) => {
        const value = text(pending);
        if (staged) {
          const pend = await tryRead(p, { label: 'pending' });
          // moveLabel without a target version removes the label (AWS UpdateSecretVersionStage semantics).
          if (pend) await (p.moveLabel as (n: string, l: 'pending', v?: string) => Promise<void>)(remote, 'pending', undefined);
        }
        const now = await tryRead(p);
        if (now && now.value === value && current !== null) await p.write(remote, text(current));
      }),

    async revoke() {
      throw new KeyhavenError(
        'ROTATION_REVOKE_FAILED',
        `provider rotation: Keyhaven cannot revoke a value held in ${config.provider_kind}; revoke it where it was issued.`,
        { remote },
      );
    },

    async close() {
      const p = await providerP?.catch(() => undefined);
      await p?.close?.().catch(() => undefined);
    },
  };
  return rotator satisfies Rotator;
};

export const providerRotator: RotatorDefinition<ProviderRotatorConfig> = {
  kind: 'provider',
  displayName: 'External secret store (provider-native)',
  description:
    'Rotates a value held in an external store (AWS Secrets Manager, GCP Secret Manager, Vault KV, Kubernetes, dotenv) with its own staging labels where it has them. Set admin_credential_secret to the provider credential secret.',
  configSchema: providerRotatorConfigSchema,
  capabilities: { strategies: ['single'], rollback: true, revoke: false, needsAdminCredential: false },
  target: (config) => `provider://${config.provider_kind}${config.provider_id ? `/${config.provider_id}` : ''}`,
  create: (ctx) => createProviderRotator(ctx),
};
