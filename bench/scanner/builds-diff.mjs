#!/usr/bin/env node
// Two scanner builds over the same tree: the findings only one of them reports (read them one by one), and the
// single-thread scan time of each (best of --reps, builds alternating). A build is a scanner dist directory, e.g. one
// compiled from an older commit: git archive <commit> packages/scanner tsconfig.base.json | tar -x -C /tmp/base, link
// node_modules into /tmp/base and /tmp/base/packages/scanner, npx tsc -p packages/scanner --outDir packages/scanner/dist-base.
// Usage: node bench/scanner/builds-diff.mjs <old/index.js> <new/index.js> <dir> [--reps 2]
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const ri = args.indexOf('--reps');
const reps = ri >= 0 ? Number(args[ri + 1]) : 0;
const [a, b, dir] = args.filter((x, i) => !x.startsWith('--') && args[i - 1] !== '--reps');
const A = await import(pathToFileURL(path.resolve(a)).href);
const B = await import(pathToFileURL(path.resolve(b)).href);
const key = (f) => `${f.file}:${f.line} ${f.ruleId}`;
const fa = (await A.scanPaths([dir], { threads: 2, gitignore: false })).findings;
const fb = (await B.scanPaths([dir], { threads: 2, gitignore: false })).findings;
const sa = new Set(fa.map(key));
const sb = new Set(fb.map(key));
for (const f of fb) if (!sa.has(key(f))) console.log('+', key(f), f.redacted);
for (const f of fa) if (!sb.has(key(f))) console.log('-', key(f), f.redacted);
console.log(`findings: old ${fa.length}, new ${fb.length}`);
if (reps > 0) {
  const best = { old: Infinity, new: Infinity };
  for (let i = 0; i < reps; i++)
    for (const [n, m] of [
      ['old', A],
      ['new', B],
    ]) {
      const t = performance.now();
      await m.scanPaths([dir], { threads: 1, gitignore: false });
      best[n] = Math.min(best[n], performance.now() - t);
    }
  console.log(`one thread, best of ${reps}: old ${best.old.toFixed(0)} ms, new ${best.new.toFixed(0)} ms`);
}
