// Corpus evaluation shared by the corpus test and scripts/corpus-report.ts: scans test/corpus and
// compares with expected-findings.json (recall, unexpected findings, decoy false positives).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { scanPaths, type Finding } from '../src/index.js';

export interface Expected {
  file: string;
  line: number;
  ruleId: string;
}

export const evaluateCorpus = async (root: string) => {
  const expected = (JSON.parse(readFileSync(path.join(root, 'expected-findings.json'), 'utf8')) as { findings: Expected[] }).findings;
  const { findings } = await scanPaths([root], { threads: 1, gitignore: false });
  const real = findings.filter((f) => f.file !== 'expected-findings.json');
  const key = (x: { file: string; line: number; ruleId: string }) => `${x.file}:${x.line}:${x.ruleId}`;
  const got = new Set(real.map(key));
  const want = new Set(expected.map(key));
  const missed = expected.filter((e) => !got.has(key(e)));
  const decoyFalsePositives = real.filter((f) => f.file.startsWith('decoys/'));
  const unexpected = real.filter((f) => !f.file.startsWith('decoys/') && !want.has(key(f)));
  const perRule = new Map<string, { expected: number; found: number; unexpected: number; decoyFp: number }>();
  const s = (id: string) => perRule.get(id) ?? (perRule.set(id, { expected: 0, found: 0, unexpected: 0, decoyFp: 0 }), perRule.get(id)!);
  for (const e of expected) {
    s(e.ruleId).expected++;
    if (got.has(key(e))) s(e.ruleId).found++;
  }
  for (const f of unexpected) s(f.ruleId).unexpected++;
  for (const f of decoyFalsePositives) s(f.ruleId).decoyFp++;
  return {
    expected: expected.length,
    found: expected.length - missed.length,
    recall: (expected.length - missed.length) / expected.length,
    missed,
    unexpected: unexpected as Finding[],
    decoyFalsePositives: decoyFalsePositives as Finding[],
    perRule,
  };
};
