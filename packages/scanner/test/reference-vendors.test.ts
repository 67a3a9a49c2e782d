// Vendor coverage against the reference scanners (issue 19): test/data/reference-vendors.json maps every
// rule of gitleaks' default config, Nosey Parker's default ruleset and secretlint's recommended preset
// to our rule ids. Each mapped id must exist, and the full scanner (all rules together, so overlaps and
// generic-versus-specific precedence count) must report that id on at least one of its own positive
// examples. An entry without a rule must say why (notCovered).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createScanner, fileRules, rules } from '../src/index.js';

type Entry = string[] | { notCovered: string };
type Sets = Record<'gitleaks' | 'noseyparker' | 'secretlint', Record<string, Entry>>;
const data = JSON.parse(readFileSync(new URL('./data/reference-vendors.json', import.meta.url), 'utf8')) as Sets & {
  /** rules in the sources' rule files beyond the pinned default sets, mapped after measuring their examples */
  extra: Sets;
};
const scanner = createScanner({});
const byId = new Map(rules.map((r) => [r.id, r]));
const fileById = new Map(fileRules.map((r) => [r.id, r]));

/** Does the full scanner report `id` on one of the rule's own positive examples? */
const provenById = (id: string): boolean => {
  const rule = byId.get(id);
  if (rule)
    return rule.examples.positive.some((ex) => scanner.scanText(ex, rule.examples.path ?? 'example.txt').some((f) => f.ruleId === id));
  const fr = fileById.get(id);
  if (fr) return fr.examples.positive.some((ex) => scanner.scanBuffer(ex.bytes, ex.path).findings.some((f) => f.ruleId === id));
  return false;
};

describe('reference vendor coverage (gitleaks, Nosey Parker, secretlint)', () => {
  it('lists every reference rule (counts pinned so an entry cannot silently drop out)', () => {
    expect(Object.keys(data.gitleaks)).toHaveLength(218);
    expect(Object.keys(data.noseyparker)).toHaveLength(162);
    expect(Object.keys(data.secretlint)).toHaveLength(39);
  });

  it('lists the rules beyond the default sets that were measured', () => {
    expect(Object.keys(data.extra.gitleaks).length).toBeGreaterThanOrEqual(15);
    expect(Object.keys(data.extra.noseyparker).length).toBeGreaterThanOrEqual(5);
  });

  for (const source of ['gitleaks', 'noseyparker', 'secretlint'] as const) {
    it(`${source}: every mapped rule exists and finds its own positive examples through the full scanner`, () => {
      const problems: string[] = [];
      for (const [ref, entry] of [...Object.entries(data[source]), ...Object.entries(data.extra[source])]) {
        if (!Array.isArray(entry)) {
          if (!(entry.notCovered.length > 10)) problems.push(`${ref}: notCovered needs a reason`);
          continue;
        }
        if (entry.length === 0) problems.push(`${ref}: no rule mapped`);
        for (const id of entry)
          if (!provenById(id))
            problems.push(`${ref} -> ${id}: ${byId.has(id) || fileById.has(id) ? 'not found on its examples' : 'no such rule'}`);
      }
      expect(problems).toEqual([]);
    });
  }

  it('only identifiers that are not credentials are left uncovered', () => {
    const uncovered = (['gitleaks', 'noseyparker', 'secretlint'] as const)
      .flatMap((s) => Object.entries(data[s]))
      .filter(([, e]) => !Array.isArray(e))
      .map(([k]) => k);
    expect(uncovered).toEqual(['aws/AWSAccountID']);
  });
});
