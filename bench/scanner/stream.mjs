// Same-run comparison of two scanner builds over one tree: each measurement is a fresh child process
// running `scanPaths([tree], { threads, gitignore: false })`; runs are interleaved (prev, new, prev,
// new …) per thread count, and the report gives medians of wall time, MiB/s, CPU seconds
// (user+sys of the whole process, workers included) per MiB, and new/prev ratios paired by round.
// Usage: node bench/scanner/stream.mjs <tree> --prev <dist dir> --new <dist dir> [--rounds 5]
//        [--threads 1,2] [--out bench/results/x.json]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};

if (args[0] === '--child') {
  const [, dist, tree, threads] = args;
  const scanner = await import(pathToFileURL(path.join(dist, 'index.js')).href);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await scanner.scanPaths([tree], { threads: Number(threads), gitignore: false });
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const digest = createHash('sha256')
    .update(r.findings.map((f) => `${f.file}:${f.line}:${f.column}:${f.ruleId}:${f.fingerprint}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  console.log(
    JSON.stringify({
      wallMs,
      cpuMs: (c.user + c.system) / 1000,
      files: r.stats.files,
      bytes: r.stats.bytes,
      findings: r.findings.length,
      digest,
    }),
  );
  process.exit(0);
}

const repo = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const tree = path.resolve(args[0]);
const builds = {
  prev: path.resolve(flag('--prev', path.join(repo, 'bench/.tmp/scanner-prev'))),
  new: path.resolve(flag('--new', path.join(repo, 'packages/scanner/dist'))),
};
const rounds = Number(flag('--rounds', '5'));
const threadList = flag('--threads', '1,2').split(',').map(Number);
const self = fileURLToPath(import.meta.url);
const child = (build, threads) =>
  JSON.parse(
    execFileSync(process.execPath, [self, '--child', builds[build], tree, String(threads)], { encoding: 'utf8', maxBuffer: 1 << 26 })
      .trim()
      .split('\n')
      .pop(),
  );
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const load = () => os.loadavg()[0].toFixed(2);

console.log(
  `tree ${tree}; ${os.availableParallelism?.() ?? os.cpus().length} cores ${os.cpus()[0]?.model}; node ${process.version}; load ${load()}`,
);
child('new', 1); // warm the page cache
const runs = [];
for (let round = 0; round < rounds; round++) {
  for (const threads of threadList) {
    for (const build of round % 2 ? ['new', 'prev'] : ['prev', 'new']) {
      const r = { round, build, threads, load1: Number(load()), ...child(build, threads) };
      runs.push(r);
      console.log(
        `round ${round} ${build.padEnd(4)} threads=${threads} ${(r.wallMs / 1000).toFixed(2)} s  ${(r.bytes / 1048576 / (r.wallMs / 1000)).toFixed(1)} MiB/s  cpu ${(r.cpuMs / 1000).toFixed(2)} s  findings=${r.findings} ${r.digest}  load ${r.load1}`,
      );
    }
  }
}
const summary = {};
for (const threads of threadList) {
  for (const build of ['prev', 'new']) {
    const rs = runs.filter((r) => r.build === build && r.threads === threads);
    const mib = rs[0].bytes / 1048576;
    summary[`${build}-t${threads}`] = {
      medianWallS: +(median(rs.map((r) => r.wallMs)) / 1000).toFixed(3),
      medianMiBps: +median(rs.map((r) => mib / (r.wallMs / 1000))).toFixed(1),
      medianCpuSPerMiB: +median(rs.map((r) => r.cpuMs / 1000 / mib)).toFixed(4),
      cpuMiBps: +median(rs.map((r) => mib / (r.cpuMs / 1000))).toFixed(1),
      findings: [...new Set(rs.map((r) => r.findings))],
      digests: [...new Set(rs.map((r) => r.digest))],
    };
  }
  const pair = (k) =>
    median(
      Array.from({ length: rounds }, (_, round) => {
        const p = runs.find((r) => r.round === round && r.threads === threads && r.build === 'prev');
        const n = runs.find((r) => r.round === round && r.threads === threads && r.build === 'new');
        return n[k] / p[k];
      }),
    );
  summary[`ratio-t${threads}`] = { wallNewOverPrev: +pair('wallMs').toFixed(3), cpuNewOverPrev: +pair('cpuMs').toFixed(3) };
}
for (const build of ['prev', 'new']) {
  if (threadList.includes(1) && threadList.includes(2)) {
    summary[`${build}-t2-over-t1`] = {
      wall: +median(
        Array.from(
          { length: rounds },
          (_, round) =>
            runs.find((r) => r.round === round && r.build === build && r.threads === 2).wallMs /
            runs.find((r) => r.round === round && r.build === build && r.threads === 1).wallMs,
        ),
      ).toFixed(3),
    };
  }
}
console.log(JSON.stringify(summary, null, 2));
const outFile = flag('--out');
if (outFile)
  writeFileSync(
    outFile,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        tree,
        files: runs[0].files,
        bytes: runs[0].bytes,
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        summary,
        runs,
      },
      null,
      2,
    ) + '\n',
  );
