// Recall/precision per category on test/recall4 (held-out, written without reading the rules), with the misses
// and false positives. Usage: npx tsx packages/scanner/scripts/recall4-report.ts [path/to/scanner/dist/index.js]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { evaluateRecall } from '../test/recall-eval.js';

const dist = process.argv.slice(2).find((a) => !a.startsWith('--'));
const mod = dist ? await import(pathToFileURL(path.resolve(dist)).href) : await import('../src/index.js');
const root = fileURLToPath(new URL('../test/recall4/', import.meta.url));
const r = await evaluateRecall(root, mod.scanPaths);
const { labels } = JSON.parse(readFileSync(path.join(root, 'labels.json'), 'utf8')) as { labels: Record<string, number[]> };
const findings = (
  (await mod.scanPaths([root], { threads: 1, gitignore: false })) as { findings: { file: string; line: number }[] }
).findings.filter((f) => f.file !== 'labels.json');
console.log('category  found/labelled  recall  fp');
for (const [c, v] of [...r.per.entries()].sort())
  console.log(
    `${c.padEnd(10)} ${String(v.found).padStart(3)}/${String(v.labelled).padEnd(4)} ${((100 * v.found) / Math.max(1, v.labelled)).toFixed(1).padStart(6)} % ${v.fp}`,
  );
console.log(
  `total ${r.tot.found}/${r.tot.labelled} recall ${(100 * r.recall).toFixed(1)} % precision ${(100 * r.precision).toFixed(1)} % (tp ${r.tot.tp}, fp ${r.tot.fp})`,
);
// per batch: the first files, then …/heldout/ and …/heldout2/ (each written after the previous round of fixes)
const labelled = new Set(Object.entries(labels).flatMap(([f, ls]) => ls.map((l) => `${f}:${l}`)));
const missed = new Set(r.missed);
const batchOf = (f: string) => /\/(heldout2?)\//.exec(f)?.[1] ?? 'first';
for (const b of ['first', 'heldout', 'heldout2']) {
  let n = 0;
  let found = 0;
  for (const k of labelled) if (batchOf(k) === b) (n++, missed.has(k) || found++);
  const fs = findings.filter((f) => batchOf(f.file) === b);
  const t = fs.filter((f) => labelled.has(`${f.file}:${f.line}`)).length;
  console.log(
    `${b}: ${found}/${n} recall ${((100 * found) / n).toFixed(1)} % precision ${((100 * t) / Math.max(1, fs.length)).toFixed(1)} % (fp ${fs.length - t})`,
  );
}
console.log('\nmissed:');
for (const m of r.missed) console.log('  ' + m);
console.log('\nfalse positives:');
for (const f of r.falsePositives) console.log(`  ${f.file}:${f.line} ${f.ruleId} ${f.redacted}`);
