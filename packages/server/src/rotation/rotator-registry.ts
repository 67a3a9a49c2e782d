// The rotator registry: kind → definition, config parsing that lists every problem, and a helper
// that validates config and admin credential before creating a rotator. New kinds: one folder + one line.
import { KeyhavenError } from '../lib/errors.js';
import { checkEgressAll, type EgressPolicy } from '../lib/egress.js';
import type { ProviderContext } from '../providers/provider-types.js';
import { generatedRotator } from './rotators/generated/generated-rotator.js';
import { mysqlRotator } from './rotators/mysql/mysql-rotator.js';
import { postgresRotator } from './rotators/postgres/postgres-rotator.js';
import { providerRotator } from './rotators/provider/provider-rotator.js';
import { redisRotator } from './rotators/redis/redis-rotator.js';
import { listProblems, problemsOf } from './rotators/shared/credential-config.js';
import { webhookRotator } from './rotators/webhook/webhook-rotator.js';
import { DEFAULT_ROTATOR_TIMEOUT_MS, type CredentialValue, type Rotator, type RotatorDefinition } from './rotator-types.js';

export const ROTATORS = {
  generated: generatedRotator,
  postgres: postgresRotator,
  mysql: mysqlRotator,
  redis: redisRotator,
  webhook: webhookRotator,
  provider: providerRotator,
} as const;

export type RotatorKind = keyof typeof ROTATORS;
export type RotatorConfig<K extends RotatorKind> = (typeof ROTATORS)[K] extends RotatorDefinition<infer C> ? C : never;

export const isRotatorKind = (kind: string): kind is RotatorKind => Object.hasOwn(ROTATORS, kind);

export const listRotators = (): RotatorDefinition[] => Object.values(ROTATORS) as RotatorDefinition[];

export const getRotator = (kind: string): RotatorDefinition => {
  if (!isRotatorKind(kind)) {
    const known = Object.keys(ROTATORS);
    throw new KeyhavenError('ROTATOR_UNKNOWN', `No rotator of kind "${kind}"; use one of: ${known.join(', ')}.`, { kind, known });
  }
  return ROTATORS[kind] as RotatorDefinition;
};

/** Validate a raw rotator config; throws ROTATOR_CONFIG_INVALID listing every problem (details: [{ path, message }], never values). */
export const parseRotatorConfig = (kind: string, raw: unknown): unknown => {
  const def = getRotator(kind);
  const parsed = def.configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = problemsOf(parsed.error);
    throw new KeyhavenError(
      'ROTATOR_CONFIG_INVALID',
      `The "${kind}" rotator configuration is invalid: ${listProblems(problems)}.`,
      problems,
    );
  }
  return parsed.data;
};

/** Parse config, then create the rotator (which validates the admin credential). */
export const createRotator = (
  kind: string,
  opts: {
    config: unknown;
    adminCredential?: Record<string, unknown>;
    signal?: AbortSignal;
    timeoutMs?: number;
    providers?: ProviderContext;
  },
): Rotator => {
  const def = getRotator(kind);
  const config = parseRotatorConfig(kind, opts.config);
  const rotator = def.create({
    config,
    adminCredential: opts.adminCredential,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? DEFAULT_ROTATOR_TIMEOUT_MS,
    providers: opts.providers,
  });
  const egress = opts.providers?.egress;
  if (!egress || !def.destinations) return rotator;
  // Right before each step that connects, the destinations are checked again (DNS may have changed).
  const guard = (values: ReadonlyArray<CredentialValue | null | undefined>) =>
    checkRotatorEgress(kind, config, opts.adminCredential, values, egress);
  return {
    ...rotator,
    set: async (p, c) => {
      await guard([p, c]);
      return rotator.set(p, c);
    },
    test: async (p) => {
      await guard([p]);
      return rotator.test(p);
    },
    rollback: async (p, c) => {
      await guard([p, c]);
      return rotator.rollback(p, c);
    },
    revoke: async (o) => {
      await guard([o]);
      return rotator.revoke(o);
    },
    ...(rotator.finish
      ? {
          finish: async (p: CredentialValue, c: CredentialValue | null) => {
            await guard([p, c]);
            return rotator.finish!(p, c);
          },
        }
      : {}),
  };
};

/** Refuses (EGRESS_FORBIDDEN) a rotator whose destinations the operator's egress policy forbids. */
export const checkRotatorEgress = async (
  kind: string,
  config: unknown,
  adminCredential: Record<string, unknown> | undefined,
  values: ReadonlyArray<CredentialValue | null | undefined>,
  egress: EgressPolicy | undefined,
): Promise<void> => {
  const def = getRotator(kind);
  if (!egress || !def.destinations) return;
  await checkEgressAll(
    egress,
    def.destinations(config, adminCredential, values).map(([d, field]) => [d, `The ${kind} rotator's ${field}`] as const),
  );
};
