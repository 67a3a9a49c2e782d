// Prints recall and false positives per rule over test/corpus (run: npx tsx packages/scanner/scripts/corpus-report.ts).
// Expected findings come from test/corpus/expected-findings.json; anything in decoys/ is a false positive.
import { fileURLToPath } from 'node:url';
import { evaluateCorpus } from '../test/corpus-eval.js';

const root = fileURLToPath(new URL('../test/corpus/', import.meta.url));
const r = await evaluateCorpus(root);
const rows = [...r.perRule.entries()].sort(([a], [b]) => a.localeCompare(b));
console.log('rule'.padEnd(34), 'expected', 'found', 'recall', 'unexpected', 'decoy-FP');
for (const [id, s] of rows) {
  console.log(
    id.padEnd(34),
    String(s.expected).padStart(8),
    String(s.found).padStart(5),
    (s.expected ? ((100 * s.found) / s.expected).toFixed(0) + '%' : '-').padStart(6),
    String(s.unexpected).padStart(10),
    String(s.decoyFp).padStart(8),
  );
}
console.log(
  `\nrecall ${(100 * r.recall).toFixed(1)}% (${r.found}/${r.expected}); unexpected findings ${r.unexpected.length}; decoy false positives ${r.decoyFalsePositives.length}`,
);
for (const f of [...r.unexpected, ...r.decoyFalsePositives]) console.log(`  ${f.file}:${f.line} ${f.ruleId} ${f.redacted}`);
for (const m of r.missed) console.log(`  MISSED ${m.file}:${m.line} ${m.ruleId}`);
