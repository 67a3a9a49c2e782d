// Authorizes a change of the facts a policy tests (name, environment, tags) on an existing secret:
// the caller must be allowed to write the secret as it is and as it would be, and the change must not
// give the caller any action on the secret that its policies deny it now (e.g. moving a secret from
// environment prod, where reads are denied, to dev, where they are allowed). Pure, no I/O.
import { fail } from '../../lib/errors.js';
import type { ResourceFacts } from './policy.js';
import { ACTIONS, type Action } from './roles.js';

export type Allows = (action: Action, facts: ResourceFacts) => boolean;

const describeFacts = (f: ResourceFacts) => `environment ${JSON.stringify(f.environment ?? null)}, tags [${(f.tags ?? []).join(', ')}]`;

export const factsDiffer = (a: ResourceFacts, b: ResourceFacts) => {
  if (a.name !== b.name || (a.environment ?? null) !== (b.environment ?? null)) return true;
  const x = [...new Set(a.tags ?? [])].sort();
  const y = [...new Set(b.tags ?? [])].sort();
  return x.length !== y.length || x.some((t, i) => t !== y[i]);
};

/** Throws FORBIDDEN_FACTS_CHANGE unless `allows` permits the change from `before` to `after`. */
export const authorizeFactsChange = (allows: Allows, before: ResourceFacts, after: ResourceFacts, who: string) => {
  if (!factsDiffer(before, after)) return;
  const where = `"${before.name}" (${describeFacts(before)} → ${describeFacts(after)})`;
  if (!allows('write', before) || !allows('write', after)) {
    throw fail(
      'FORBIDDEN_FACTS_CHANGE',
      `The token's role "${who}" may not change ${where}: it must be allowed to write the secret both before and after the change.`,
      { before: describeFacts(before), after: describeFacts(after), reason: 'write' },
    );
  }
  const gained = ACTIONS.filter((a) => allows(a, after) && !allows(a, before));
  if (gained.length) {
    throw fail(
      'FORBIDDEN_FACTS_CHANGE',
      `The token's role "${who}" may not change ${where}: the change would give it ${gained.map((a) => `"${a}"`).join(', ')}, which its policies deny on the secret now; ask for a token with a role that may do this.`,
      { before: describeFacts(before), after: describeFacts(after), gained },
    );
  }
};
