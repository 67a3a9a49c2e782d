#!/usr/bin/env node
// True findings side by side: keyhaven and secretlint over the scanner's labelled corpus
// (packages/scanner/test/corpus: planted secrets with an expected-findings file, and decoys that must
// produce nothing). Counts, per tool, planted secrets found (by file and line) and findings in decoys.
// Usage (after bench/scanner/run.mjs has built bench/.tmp/scanner-dist): node bench/scanner/corpus-compare.mjs
import { readdirSync, statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const repo = path.resolve(new URL('../..', import.meta.url).pathname);
const corpus = path.join(repo, 'packages/scanner/test/corpus');
const expected = JSON.parse(readFileSync(path.join(corpus, 'expected-findings.json'), 'utf8')).findings;
const walk = (d) =>
  readdirSync(d).flatMap((f) => {
    const p = path.join(d, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
const files = walk(corpus).filter((f) => !f.endsWith('expected-findings.json'));
const planted = new Set(expected.map((e) => `${e.file}:${e.line}`));

const score = (name, hits) => {
  const found = new Set(hits.filter((h) => planted.has(h)));
  const decoy = hits.filter((h) => h.startsWith('decoys/')).length;
  const other = hits.filter((h) => !planted.has(h) && !h.startsWith('decoys/')).length;
  console.log(`${name.padEnd(12)} planted found ${found.size}/${planted.size}  findings in decoys ${decoy}  other findings ${other}`);
  return { tool: name, planted_found: found.size, planted: planted.size, decoy_findings: decoy, other_findings: other };
};

const scanner = await import(path.join(repo, 'bench/.tmp/scanner-dist/index.js'));
const k = await scanner.scanPaths([corpus], { threads: 1 });
const kh = score(
  'keyhaven',
  k.findings.map((f) => `${path.relative(corpus, path.resolve(corpus, f.file))}:${f.line}`),
);

const require = createRequire(path.join(repo, 'package.json'));
const { createEngine } = await import(require.resolve('@secretlint/node'));
const engine = await createEngine({
  cwd: repo,
  configFileJSON: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] },
  formatter: 'json',
  color: false,
});
const res = await engine.executeOnFiles({ filePathList: files });
const slHits = [];
for (const file of JSON.parse(res.output))
  for (const m of file.messages ?? []) slHits.push(`${path.relative(corpus, file.filePath)}:${m.loc?.start?.line ?? m.range?.[0]}`);
const sl = score('secretlint', slHits);
console.log(JSON.stringify({ date: new Date().toISOString(), corpus_files: files.length, results: [kh, sl] }));
