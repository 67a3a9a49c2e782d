// Recall/precision per category on test/recall4 (held-out, written without reading the rules), with the misses
// and false positives. Usage: npx tsx packages/scanner/scripts/recall4-report.ts [path/to/scanner/dist/index.js]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { evaluateRecall } from '../test/recall-eval.js';

const dist = process.argv.slice(2).find((a) => !a.startsWith('--'));
const mod = dist ? await import(pathToFileURL(path.resolve(dist)).href) : await import('../src/index.js');
const root = fileURLToPath(new URL('../test/recall4/', import.meta.url));
const r = await evaluateRecall(root, mod.scanPaths);
console.log('category  found/labelled  recall  fp');
for (const [c, v] of [...r.per.entries()].sort())
  console.log(
    `${c.padEnd(10)} ${String(v.found).padStart(3)}/${String(v.labelled).padEnd(4)} ${((100 * v.found) / Math.max(1, v.labelled)).toFixed(1).padStart(6)} % ${v.fp}`,
  );
console.log(
  `total ${r.tot.found}/${r.tot.labelled} recall ${(100 * r.recall).toFixed(1)} % precision ${(100 * r.precision).toFixed(1)} % (tp ${r.tot.tp}, fp ${r.tot.fp})`,
);
console.log('\nmissed:');
for (const m of r.missed) console.log('  ' + m);
console.log('\nfalse positives:');
for (const f of r.falsePositives) console.log(`  ${f.file}:${f.line} ${f.ruleId} ${f.redacted}`);
