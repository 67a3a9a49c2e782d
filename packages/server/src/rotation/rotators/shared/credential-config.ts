// Shared shapes for user/password targets (PostgreSQL, MySQL/MariaDB, Redis ACL): the strategy part
// of a rotator config, the credential value { username, password, host, port, database? }, and
// validation that reports field paths only, never values.
import { z } from 'zod';
import { KeyhavenError } from '../../../lib/errors.js';
import type { CredentialValue } from '../../rotator-types.js';

const name = z.string().min(1).max(128);

/** Config fields every user/password rotator accepts; each rotator extends it and adds strategyRule. */
export const strategyFields = {
  strategy: z.enum(['single', 'alternating']).default('single'),
  /** alternating: the two users that take turns. */
  users: z.tuple([name, name]).optional(),
  /** single: the user to rotate when there is no current value yet. */
  username: name.optional(),
  /** Where clients connect; defaults to the current value's, then the admin credential's. */
  host: z.string().min(1).max(255).optional(),
  port: z.number().int().min(1).max(65535).optional(),
};

export interface StrategyConfig {
  strategy: 'single' | 'alternating';
  users?: [string, string];
  username?: string;
  host?: string;
  port?: number;
}

export const strategyRule = (c: StrategyConfig, ctx: z.RefinementCtx) => {
  if (c.strategy === 'alternating' && !c.users) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['users'],
      message: 'the alternating strategy needs two users, e.g. users: ["app_a", "app_b"]',
    });
  }
  if (c.users && c.users[0] === c.users[1]) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['users'], message: 'the two alternating users must differ' });
  }
};

export const credentialSchema = z
  .object({
    username: name,
    password: z.string(),
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65535),
    database: z.union([z.string(), z.number()]).optional(),
  })
  .passthrough();
export type Credential = z.infer<typeof credentialSchema>;

/** One validation problem, in the house shape for error details. */
export interface Problem {
  path: string;
  message: string;
}

/** The problems of a zod failure, by path, without echoing any received value. */
export const problemsOf = (error: z.ZodError): Problem[] =>
  error.issues.map((i) => ({
    path: i.path.length ? i.path.join('.') : '(value)',
    message: i.code === 'invalid_type' ? `expected ${i.expected}` : i.message,
  }));

export const listProblems = (problems: Problem[]): string => problems.map((p) => `${p.path}: ${p.message}`).join('; ');

export const parseCredential = (value: CredentialValue | null | undefined, role: string): Credential => {
  const parsed = credentialSchema.safeParse(value);
  if (!parsed.success) {
    const problems = problemsOf(parsed.error);
    throw new KeyhavenError(
      'ROTATOR_CONFIG_INVALID',
      `The ${role} credential is not a {username, password, host, port} object: ${listProblems(problems)}.`,
      problems,
    );
  }
  return parsed.data;
};

/** Parse the admin credential a rotator needs; the schema is the rotator's own. */
export const parseAdmin = <T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, raw: unknown, kind: string): T => {
  if (raw === undefined || raw === null) {
    throw new KeyhavenError(
      'ROTATOR_CONFIG_INVALID',
      `The ${kind} rotator needs an admin credential (a user allowed to change passwords); link one to the rotation.`,
      [{ path: 'adminCredential', message: 'required' }],
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = problemsOf(parsed.error);
    throw new KeyhavenError(
      'ROTATOR_CONFIG_INVALID',
      `The admin credential for the ${kind} rotator is invalid: ${listProblems(problems)}.`,
      problems,
    );
  }
  return parsed.data;
};

/** "host:port" of a target from its config, else its admin credential (for the per-target rate limit). */
export const targetHost = (
  config: { host?: string; port?: number },
  admin: Record<string, unknown> | undefined,
  defaultPort: number,
): string | null => {
  const host = typeof admin?.host === 'string' ? admin.host : config.host;
  if (!host) return null;
  const port = admin?.port != null && Number.isFinite(Number(admin.port)) ? Number(admin.port) : (config.port ?? defaultPort);
  return `${host.toLowerCase()}:${port}`;
};
/** The `host` of a credential object (admin or value), if it has one. */
const hostField = (v: unknown): string | undefined => {
  const h = v && typeof v === 'object' ? (v as Record<string, unknown>).host : undefined;
  return typeof h === 'string' && h ? h : undefined;
};

/** Where a user/password rotator connects: the config's host, the admin credential's and the values'. */
export const credentialDestinations = (
  config: StrategyConfig,
  admin: Record<string, unknown> | undefined,
  values: ReadonlyArray<CredentialValue | null | undefined>,
): Array<readonly [string | undefined, string]> => [
  [config.host, 'host'],
  [hostField(admin), 'admin credential host'],
  ...values.map((v) => [hostField(v), 'credential host'] as const),
];
