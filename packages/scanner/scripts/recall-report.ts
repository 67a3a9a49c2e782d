// Recall/precision per capability on test/recall. Usage:
//   npx tsx packages/scanner/scripts/recall-report.ts [path/to/scanner/dist/index.js] [--corpus recall2] [--verbose]
// Without an argument it evaluates the sources; pass /work/main/packages/scanner/dist/index.js (or any
// build) to measure another version on the same corpus.
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { evaluateRecall } from '../test/recall-eval.js';

const args = process.argv.slice(2);
const ci = args.indexOf('--corpus');
const corpus = ci >= 0 ? args.splice(ci, 2)[1] : 'recall';
const root = fileURLToPath(new URL(`../test/${corpus}/`, import.meta.url));
const dist = args.find((a) => !a.startsWith('--'));
const mod = dist ? await import(pathToFileURL(path.resolve(dist)).href) : await import('../src/index.js');
const r = await evaluateRecall(root, mod.scanPaths);
console.log('capability'.padEnd(14), 'labelled', 'found', 'recall', 'tp', 'fp', 'neg-fp');
for (const [c, v] of [...r.per.entries()].sort())
  console.log(
    c.padEnd(14),
    String(v.labelled).padStart(8),
    String(v.found).padStart(5),
    `${((100 * v.found) / Math.max(1, v.labelled)).toFixed(0)}%`.padStart(6),
    String(v.tp).padStart(3),
    String(v.fp).padStart(3),
    String(v.negFp).padStart(6),
  );
console.log(
  `\nrecall ${(100 * r.recall).toFixed(1)}% (${r.tot.found}/${r.tot.labelled}), precision ${(100 * r.precision).toFixed(1)}% (${r.tot.tp} on labelled lines, ${r.tot.fp} elsewhere, ${r.tot.negFp} in negatives/)`,
);
if (args.includes('--verbose') || !dist) {
  for (const m of r.missed) console.log('  MISSED', m);
  for (const f of r.falsePositives) console.log('  FP', `${f.file}:${f.line}`, f.ruleId, f.redacted);
}
