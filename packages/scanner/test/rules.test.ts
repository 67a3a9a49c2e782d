// Every built-in rule is proven by its own examples: each positive is found by that rule, each
// negative is not; plus registry-level checks (count, ids, keywords, severities).
import { describe, expect, it } from 'vitest';
import { builtinRules } from '../src/rules/index.js';
import { compileRules, scanText } from '../src/engine/engine.js';
import { createAllowlist } from '../src/engine/allowlist.js';
import { SEVERITIES } from '../src/types.js';

const allow = createAllowlist();
const found = (ruleIdx: number, text: string) => {
  const rule = builtinRules[ruleIdx];
  return scanText(text, compileRules([rule]), { path: rule.examples.path ?? 'example.txt', allowlist: allow }).filter(
    (f) => f.ruleId === rule.id,
  );
};

describe('rule registry', () => {
  it('has at least 200 rules with unique kebab-case ids', () => {
    expect(builtinRules.length).toBeGreaterThanOrEqual(200);
    const ids = builtinRules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });
  it('every rule is well formed', () => {
    for (const r of builtinRules) {
      expect(r.examples.positive.length, r.id).toBeGreaterThan(0);
      expect(r.examples.negative.length, r.id).toBeGreaterThan(0);
      expect(SEVERITIES, r.id).toContain(r.severity);
      expect(['low', 'medium', 'high'], r.id).toContain(r.confidence);
      expect(r.keywords.length > 0 || r.paths !== undefined, r.id).toBe(true);
      for (const k of r.keywords) expect(k, r.id).toBe(k.toLowerCase());
      expect(r.description.length, r.id).toBeGreaterThan(5);
    }
  });
});

describe.each(builtinRules.map((r, i) => [r.id, i] as const))('rule %s', (_id, i) => {
  const rule = builtinRules[i];
  it('finds every positive example', () => {
    for (const ex of rule.examples.positive) expect(found(i, ex).length, `positive not found: ${rule.id}`).toBeGreaterThan(0);
  });
  it('ignores every negative example', () => {
    for (const ex of rule.examples.negative)
      expect(
        found(i, ex).map((f) => f.redacted),
        `negative matched: ${rule.id}`,
      ).toEqual([]);
  });
});
