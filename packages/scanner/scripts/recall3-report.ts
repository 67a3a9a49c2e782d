// Recall/precision per category on test/recall3, split into its batches: the first files (the scanner was
// fixed on them), then the held-out files under …/heldout/ and …/heldout2/ (each written after the previous
// round of fixes and measured before any change for it). Usage: npx tsx packages/scanner/scripts/recall3-report.ts [path/to/scanner/dist/index.js] [--verbose]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { evaluateRecall } from '../test/recall-eval.js';

const args = process.argv.slice(2);
const dist = args.find((a) => !a.startsWith('--'));
const mod = dist ? await import(pathToFileURL(path.resolve(dist)).href) : await import('../src/index.js');
const root = fileURLToPath(new URL('../test/recall3/', import.meta.url));
const { labels } = JSON.parse(readFileSync(path.join(root, 'labels.json'), 'utf8')) as { labels: Record<string, number[]> };
const r = await evaluateRecall(root, mod.scanPaths);
const missed = new Set(r.missed);
const fps = r.falsePositives.map((f) => ({ key: `${f.file}:${f.line}`, f }));
const cat = (file: string) => file.split('/')[1] ?? '?';
const batchOf = (file: string) => /\/(heldout[234]?)\//.exec(file)?.[1] ?? 'first';
for (const batch of ['first', 'heldout', 'heldout2', 'heldout3', 'heldout4', 'all'] as const) {
  const inBatch = (file: string) => batch === 'all' || batchOf(file) === batch;
  const per = new Map<string, { labelled: number; found: number; fp: number }>();
  const s = (c: string) => per.get(c) ?? (per.set(c, { labelled: 0, found: 0, fp: 0 }), per.get(c)!);
  for (const [file, lines] of Object.entries(labels))
    if (inBatch(file))
      for (const l of lines) {
        s(cat(file)).labelled++;
        if (!missed.has(`${file}:${l}`)) s(cat(file)).found++;
      }
  for (const { f } of fps) if (inBatch(f.file)) s(cat(f.file)).fp++;
  // true positives: findings on labelled lines (a line may carry several findings)
  const tpByCat = new Map<string, number>();
  for (const [c, v] of per) tpByCat.set(c, v.found);
  let L = 0;
  let F = 0;
  let FP = 0;
  console.log(`\n${batch}: category  found/labelled  recall  fp-lines  precision(lines)`);
  for (const [c, v] of [...per.entries()].sort()) {
    L += v.labelled;
    F += v.found;
    FP += v.fp;
    const prec = v.found + v.fp ? (100 * v.found) / (v.found + v.fp) : 100;
    console.log(
      `  ${c.padEnd(10)} ${`${v.found}/${v.labelled}`.padStart(9)} ${`${((100 * v.found) / Math.max(1, v.labelled)).toFixed(0)}%`.padStart(6)} ${String(v.fp).padStart(5)} ${`${prec.toFixed(0)}%`.padStart(8)}`,
    );
  }
  console.log(
    `  TOTAL recall ${((100 * F) / Math.max(1, L)).toFixed(1)}% (${F}/${L}), precision ${((100 * F) / Math.max(1, F + FP)).toFixed(1)}% (${FP} false-positive findings)`,
  );
}
if (args.includes('--verbose')) {
  for (const m of r.missed) console.log('  MISSED', m);
  for (const { f } of fps) console.log('  FP', `${f.file}:${f.line}`, f.ruleId, f.redacted);
}
