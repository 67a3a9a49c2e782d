// Corpus: realistic files with planted secrets (test/corpus/secrets) and decoys/placeholders
// (test/corpus/decoys). Recall must be 100%, with no unexpected findings and none on decoys.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateCorpus } from './corpus-eval.js';

const root = fileURLToPath(new URL('./corpus/', import.meta.url));

describe('corpus', () => {
  it('finds every planted secret and nothing else', async () => {
    const r = await evaluateCorpus(root);
    expect(r.expected).toBeGreaterThanOrEqual(30);
    expect(r.missed).toEqual([]);
    expect(r.recall).toBe(1);
    expect(r.unexpected.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual([]);
    expect(r.decoyFalsePositives.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual([]);
  });
});
