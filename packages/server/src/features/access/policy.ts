// Policies: allow and deny rules over actions and secret-name globs, with conditions on the
// secret's environment and tags; deny wins. Built-in roles are ready-made policies; custom roles
// bundle named policies. Pure evaluation, no I/O.
import picomatch from 'picomatch';
import { z } from 'zod';
import { ACTIONS, ROLES, roleAllows, type Action, type Role } from './roles.js';

export const ruleSchema = z
  .object({
    effect: z.enum(['allow', 'deny']),
    actions: z.array(z.enum([...ACTIONS, '*'] as [string, ...string[]])).min(1),
    paths: z
      .array(z.string().min(1).max(256))
      .min(1)
      .default(['**'])
      .describe('Secret name globs: apps/billing/* (one level), apps/** (all below)'),
    environments: z.array(z.string().min(1).max(64)).optional().describe('Only secrets whose environment is one of these'),
    tags: z.array(z.string().min(1).max(128)).optional().describe('Only secrets carrying at least one of these tags'),
  })
  .strict();
export type PolicyRule = z.infer<typeof ruleSchema>;

export interface ResourceFacts {
  name: string;
  environment?: string | null;
  tags?: string[];
}

interface CompiledRule {
  effect: 'allow' | 'deny';
  actions: Set<string>;
  match: (name: string) => boolean;
  environments?: Set<string>;
  tags?: string[];
  conditional: boolean;
}

export const compileRules = (rules: PolicyRule[]): CompiledRule[] =>
  rules.map((r) => ({
    effect: r.effect,
    actions: new Set(r.actions),
    match: picomatch(r.paths, { dot: true }),
    environments: r.environments ? new Set(r.environments) : undefined,
    tags: r.tags,
    conditional: Boolean(r.environments || r.tags),
  }));

const ruleApplies = (rule: CompiledRule, action: Action, resource: ResourceFacts | null): boolean => {
  if (!rule.actions.has(action) && !rule.actions.has('*')) return false;
  if (!resource) return !rule.conditional && rule.match('**'); // tenant-wide actions: only unconditional, all-path rules
  if (!rule.match(resource.name)) return false;
  if (rule.environments && !rule.environments.has(resource.environment ?? '')) return false;
  if (rule.tags && !rule.tags.some((t) => resource.tags?.includes(t))) return false;
  return true;
};

export interface Authorizer {
  /** True when the subject may do `action` on the resource (null for tenant-wide actions). */
  allows(action: Action, resource: ResourceFacts | null): boolean;
  /** Whether answers can depend on a secret's environment or tags (then facts must be loaded). */
  readonly needsFacts: boolean;
  /** Whether any rule could allow `action` on some resource (cheap pre-check before loading). */
  mayAllow(action: Action): boolean;
}

export const builtinAuthorizer = (role: Role): Authorizer => ({
  allows: (action) => roleAllows(role, action),
  needsFacts: false,
  mayAllow: (action) => roleAllows(role, action),
});

export const policyAuthorizer = (rules: PolicyRule[]): Authorizer => {
  const compiled = compileRules(rules);
  return {
    needsFacts: compiled.some((r) => r.conditional),
    mayAllow: (action) => compiled.some((r) => r.effect === 'allow' && (r.actions.has(action) || r.actions.has('*'))),
    allows(action, resource) {
      let allowed = false;
      for (const r of compiled) {
        if (!ruleApplies(r, action, resource)) continue;
        if (r.effect === 'deny') return false;
        allowed = true;
      }
      return allowed;
    },
  };
};

/** The ready-made policies behind the built-in roles, for display and composition. */
export const builtinRoleRules = (role: Role): PolicyRule[] => [
  { effect: 'allow', actions: ACTIONS.filter((a) => roleAllows(role, a)), paths: ['**'] },
];
export const isBuiltinRole = (name: string): name is Role => (ROLES as readonly string[]).includes(name);
