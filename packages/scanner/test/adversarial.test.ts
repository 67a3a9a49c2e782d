// No catastrophic backtracking: every rule is run over adversarial inputs built from its own
// keywords and examples (long runs of keyword/prefix characters, separators, near-misses). Each
// input is scanned at 4 KB and 40 KB; the larger must stay within a generous absolute budget and
// must not grow super-linearly (10x input ≤ 40x time, best of two runs, 20 ms floor for timer noise).
import { describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { builtinRules } from '../src/rules/index.js';
import { compileRules, scanText } from '../src/engine/engine.js';
import { createAllowlist } from '../src/engine/allowlist.js';

const allow = createAllowlist();

const inputsFor = (kw: string, example: string, size: number): string[] => {
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const head = example.slice(0, 48);
  return [
    fill(kw),
    kw + fill('A'),
    kw + fill('a1'),
    fill(kw + '='),
    fill(kw + ': '),
    fill(kw + '"'),
    kw + '=' + fill(' '),
    kw + fill('-'),
    fill(head),
    fill(head + '\n'),
    fill(`${kw}_x=${'Ab9'.repeat(10)} `),
    '-----BEGIN ' + fill('A'),
    fill('://a:b'),
    kw + fill('\\n'),
  ];
};

const time = (fn: () => void) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};

describe('adversarial inputs', () => {
  it.each(builtinRules.map((r, i) => [r.id, i] as const))('%s completes in linear-ish time', (_id, i) => {
    const rule = builtinRules[i];
    const compiled = compileRules([rule]);
    const kws = rule.keywords.length ? rule.keywords : ['a'];
    const path = rule.examples.path ?? 'adversarial.txt';
    let small = 0;
    let large = 0;
    for (const kw of kws.slice(0, 3)) {
      const s = inputsFor(kw, rule.examples.positive[0], 4_000);
      const l = inputsFor(kw, rule.examples.positive[0], 40_000);
      for (let j = 0; j < s.length; j++) {
        // best of two runs, to keep GC pauses and machine load out of the comparison
        small += Math.min(
          time(() => scanText(s[j], compiled, { path, allowlist: allow })),
          time(() => scanText(s[j], compiled, { path, allowlist: allow })),
        );
        large += Math.min(
          time(() => scanText(l[j], compiled, { path, allowlist: allow })),
          time(() => scanText(l[j], compiled, { path, allowlist: allow })),
        );
      }
    }
    expect(large, `${rule.id}: 40 KB adversarial inputs took ${large.toFixed(0)} ms`).toBeLessThan(3_000);
    expect(large, `${rule.id}: super-linear growth (${small.toFixed(1)} → ${large.toFixed(1)} ms)`).toBeLessThan(Math.max(small, 20) * 40);
  });
});

describe('real files that once made a rule backtrack', () => {
  // The Kubernetes data:/stringData: look-behind split each indented line in up to 12 ways, so a file
  // with "kind: Secret", "data:" and many indented lines (our own rule sources) took minutes.
  it('scans indented YAML-like text after kind: Secret / data: in linear time', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `            key${i}: ${'value '.repeat(8)}`).join('\n');
    const text = `kind: Secret\ndata:\n${lines}\nstringData:\n${lines}\n`;
    const rules = builtinRules.filter((r) => r.id.startsWith('kubernetes-secret'));
    const ms = time(() => scanText(text, compileRules(rules), { path: 'x.yaml', allowlist: allow }));
    expect(ms).toBeLessThan(2000);
  });
  it('scans the rule sources themselves quickly', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../src/rules/', import.meta.url);
    const compiled = compileRules([...builtinRules]);
    for (const f of readdirSync(dir)) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      const ms = time(() => scanText(text, compiled, { path: f, allowlist: allow }));
      expect(ms, f).toBeLessThan(3000);
    }
  });
});
