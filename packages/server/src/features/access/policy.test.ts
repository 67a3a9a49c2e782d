// Policy evaluation: globs, conditions, deny wins, and built-in roles as ready-made policies.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { builtinAuthorizer, policyAuthorizer, builtinRoleRules } from './policy.js';
import { ACTIONS, ROLES } from './roles.js';

describe('policies', () => {
  const billing = policyAuthorizer([
    { effect: 'allow', actions: ['read', 'list'], paths: ['apps/billing/*'] },
    { effect: 'allow', actions: ['write'], paths: ['apps/billing/**'], environments: ['staging'] },
    { effect: 'deny', actions: ['*'], paths: ['apps/billing/root-*'] },
    { effect: 'allow', actions: ['read'], paths: ['shared/**'], tags: ['public'] },
  ]);

  it('matches one level with * and all levels with **', () => {
    expect(billing.allows('read', { name: 'apps/billing/db' })).toBe(true);
    expect(billing.allows('read', { name: 'apps/billing/x/y' })).toBe(false);
    expect(billing.allows('read', { name: 'apps/search/db' })).toBe(false);
  });

  it('applies environment and tag conditions', () => {
    expect(billing.allows('write', { name: 'apps/billing/x/y', environment: 'staging' })).toBe(true);
    expect(billing.allows('write', { name: 'apps/billing/x/y', environment: 'prod' })).toBe(false);
    expect(billing.allows('read', { name: 'shared/a', tags: ['internal', 'public'] })).toBe(true);
    expect(billing.allows('read', { name: 'shared/a', tags: ['internal'] })).toBe(false);
    expect(billing.needsFacts).toBe(true);
  });

  it('lets deny win over any allow', () => {
    expect(billing.allows('read', { name: 'apps/billing/root-key' })).toBe(false);
    const both = policyAuthorizer([
      { effect: 'allow', actions: ['*'], paths: ['**'] },
      { effect: 'deny', actions: ['delete'], paths: ['**'] },
    ]);
    expect(both.allows('delete', { name: 'a' })).toBe(false);
    expect(both.allows('write', { name: 'a' })).toBe(true);
    fc.assert(
      fc.property(fc.constantFrom(...ACTIONS), fc.stringMatching(/^[a-z]{1,5}(\/[a-z]{1,5}){0,3}$/), (action, name) => {
        const p = policyAuthorizer([
          { effect: 'allow', actions: ['*'], paths: ['**'] },
          { effect: 'deny', actions: [action], paths: ['**'] },
        ]);
        return p.allows(action, { name }) === false;
      }),
    );
  });

  it('tenant-wide actions need an unconditional rule over every path', () => {
    expect(billing.allows('admin', null)).toBe(false);
    expect(policyAuthorizer([{ effect: 'allow', actions: ['admin'], paths: ['**'] }]).allows('admin', null)).toBe(true);
  });

  it('built-in roles behave as their ready-made policies', () => {
    for (const role of ROLES) {
      const a = builtinAuthorizer(role);
      const b = policyAuthorizer(builtinRoleRules(role));
      for (const action of ACTIONS) expect(b.allows(action, { name: 'any/x' })).toBe(a.allows(action, { name: 'any/x' }));
    }
  });
});
