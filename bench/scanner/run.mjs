// Scanner benchmark: throughput (MB/s) of @keyhaven/scanner on one thread and on all cores over a
// large mixed tree (default: the repo's node_modules, capped), and secretlint on the same files.
// Usage: node bench/scanner/run.mjs [dir] [--cap-mb 200] [--skip-secretlint]
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const dir = path.resolve(args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.endsWith('-mb')) ?? path.join(repo, 'node_modules'));
const capBytes = Number(flag('--cap-mb', '200')) * 1024 * 1024;
const out = path.join(repo, 'bench/.tmp/scanner-dist');

console.log('building scanner into', path.relative(repo, out));
execFileSync(
  'npx',
  [
    'tsc',
    '-p',
    path.join(repo, 'packages/scanner'),
    '--outDir',
    out,
    '--declaration',
    'false',
    '--composite',
    'false',
    '--sourceMap',
    'false',
    '--incremental',
    'false',
  ],
  { stdio: 'inherit', cwd: repo },
);
const scanner = await import(pathToFileURL(path.join(out, 'index.js')).href);
const { walkFiles } = await import(pathToFileURL(path.join(out, 'targets/walk.js')).href);

const all = await walkFiles([dir], { gitignore: false });
const files = [];
let bytes = 0;
for (const f of all) {
  if (f.size > 10 * 1024 * 1024) continue;
  if (bytes + f.size > capBytes) break;
  files.push(f.abs);
  bytes += f.size;
}
const mb = bytes / 1024 / 1024;
const cores = os.availableParallelism?.() ?? os.cpus().length;
console.log(
  `tree: ${dir} — ${files.length} files, ${mb.toFixed(1)} MiB (cap ${capBytes / 1048576} MiB); ${cores} cores, ${os.cpus()[0]?.model}, node ${process.version}`,
);

const run = async (threads) => {
  const t = performance.now();
  const r = await scanner.scanPaths(files, { threads });
  const s = (performance.now() - t) / 1000;
  return { s, r };
};
const summarize = (label, { s, r }) => {
  const byRule = {};
  for (const f of r.findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  const top = Object.entries(byRule)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(
    `${label.padEnd(28)} ${s.toFixed(2)} s  ${(mb / s).toFixed(1)} MiB/s  findings=${r.findings.length}  skipped=${r.skipped.length}\n    top rules: ${top}`,
  );
  return byRule;
};

await run(1); // warm up the page cache and JIT once
summarize('keyhaven (1 thread)', await run(1));
summarize(`keyhaven (${cores} threads)`, await run(cores));

if (!args.includes('--skip-secretlint')) {
  // secretlint is far slower and its JSON output embeds every file's content, so it runs on a
  // prefix of the same file list (default 10 MiB), in batches, next to keyhaven on that same prefix.
  const slCap = Number(flag('--secretlint-cap-mb', '10')) * 1024 * 1024;
  const subset = [];
  let subBytes = 0;
  for (const f of all) {
    if (f.size > 10 * 1024 * 1024) continue;
    if (subBytes + f.size > slCap) break;
    subset.push(f.abs);
    subBytes += f.size;
  }
  const subMb = subBytes / 1048576;
  const { createEngine } = await import('@secretlint/node');
  const engine = await createEngine({
    cwd: repo,
    configFileJSON: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] },
    formatter: 'json',
    color: false,
  });
  const t = performance.now();
  let count = 0;
  const byRule = {};
  for (let i = 0; i < subset.length; i += 200) {
    const res = await engine.executeOnFiles({ filePathList: subset.slice(i, i + 200) });
    for (const file of JSON.parse(res.output))
      for (const m of file.messages ?? []) {
        count++;
        byRule[m.ruleId] = (byRule[m.ruleId] ?? 0) + 1;
      }
  }
  const s = (performance.now() - t) / 1000;
  const top = Object.entries(byRule)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(`\nsame-subset comparison: ${subset.length} files, ${subMb.toFixed(1)} MiB`);
  console.log(
    `${'secretlint 12 (1 thread)'.padEnd(28)} ${s.toFixed(2)} s  ${(subMb / s).toFixed(2)} MiB/s  findings=${count}\n    top rules: ${top}`,
  );
  const t2 = performance.now();
  const k = await scanner.scanPaths(subset, { threads: 1 });
  const s2 = (performance.now() - t2) / 1000;
  const kr = {};
  for (const f of k.findings) kr[f.ruleId] = (kr[f.ruleId] ?? 0) + 1;
  console.log(
    `${'keyhaven (1 thread)'.padEnd(28)} ${s2.toFixed(2)} s  ${(subMb / s2).toFixed(2)} MiB/s  findings=${k.findings.length}\n    top rules: ${Object.entries(
      kr,
    )
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([a, b]) => `${a}=${b}`)
      .join(' ')}`,
  );
}
