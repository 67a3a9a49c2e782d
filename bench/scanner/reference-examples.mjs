// Recall of the built `keyhaven scan` on the public rule sets' own labelled examples (gitleaks tps/fps,
// Nosey Parker examples/negative_examples, secretlint test fixtures), per source and per vendor.
// The examples are NOT in this repository: they live in a local, gitignored data file written by hand
// from those projects' sources (default bench/.tmp/reference-examples.txt). Format, one block per example:
//
//   ### <source> <their rule id> <vendor> <label>
//   <example text, one or more lines, up to the next ### line>
//
// An optional `@file.name` after the label names the example's file (for rules tied to a path).
// label: `+` positive (a secret that should be reported), `-` negative (should not be reported),
// `i` informational positive of theirs that is not a secret (ARNs, bucket names, public ids: counted
// apart), `x` listed by them as a negative only because their regex misses it (a real-looking secret:
// counted apart). Vendor `generic` marks examples that only generic rules can find (passwords, URIs, hashes).
// `{{a62:36}}`-style templates are expanded deterministically (a62 a36 A36 hex HEX b64 b64url num lower upper),
// for gitleaks' generated samples (secrets.NewSecret): write the shape, not a copied value.
//
//   npm run build && node bench/scanner/reference-examples.mjs [--data file] [--json out.json] [--list]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const dataFile = resolve(opt('--data', join(root, 'bench/.tmp/reference-examples.txt')));
const jsonOut = opt('--json');
const list = args.includes('--list');
const cli = resolve(opt('--cli', join(root, 'packages/cli/dist/main.js')));

const SETS = {
  a62: '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  a36: '0123456789abcdefghijklmnopqrstuvwxyz',
  A36: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  hex: '0123456789abcdef',
  HEX: '0123456789ABCDEF',
  b64: '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/',
  b64url: '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-',
  num: '0123456789',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  alpha: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ext: '0123456789abcdefghijklmnopqrstuvwxyz_-', // gitleaks' alphaNumericExtendedShort
  exte: '0123456789abcdefghijklmnopqrstuvwxyz=_-', // alphaNumericExtended
  extl: '0123456789abcdefghijklmnopqrstuvwxyz/=_+-', // alphaNumericExtendedLong
  B32: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
  w: '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_',
  bech32U: 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', // age keys
};
let seed = 0x9e3779b9;
const rnd = () => {
  seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return seed >>> 8;
};
const expand = (text) =>
  text.replace(/\{\{(\w+):(\d+)\}\}/g, (m, set, n) => {
    const chars = SETS[set];
    if (!chars) throw new Error(`unknown template set ${set} in ${m}`);
    let out = '';
    for (let i = 0; i < Number(n); i++) out += chars[rnd() % chars.length];
    return out;
  });

// `+* <identifier>` / `-* <identifier>`: the body is one secret, placed in each of these file syntaxes
// (the spread of assignment shapes gitleaks' GenerateSampleSecrets tests its rules with; `{i}` is the
// identifier, `{s}` the secret).
const CONTEXTS = {
  'ini-quoted': '{i}Token="{s}"',
  'ini-quoted-spaced': '{i}Token = "{s}"',
  'ini-bare': '{i}Token={s}',
  'ini-bare-spaced': '{i}Token = {s}',
  json: '{\n    "{i}_token": "{s}"\n}',
  'json-escaped': '\\{\n    \\"{i}_token\\": \\"{s}\\"\n\\}',
  xml: '<{i}Token>{s}</{i}Token>',
  'xml-multiline': '<{i}Token>\n    {s}\n</{i}Token>',
  'yaml-bare': '{i}_token: {s}',
  'yaml-single': "{i}_token: '{s}'",
  'yaml-double': '{i}_token: "{s}"',
  'yaml-literal': '{i}_token: |\n  {s}',
  'yaml-folded': '{i}_token: >\n  {s}',
  csharp: 'string {i}Token = "{s}";',
  go: 'var {i}Token string = "{s}"',
  'go-short': '{i}Token := "{s}"',
  'go-backtick': '{i}Token := `{s}`',
  java: 'String {i}Token = "{s}";',
  kotlin: 'var {i}Token = "{s}"',
  'php-concat': '${i}Token .= "{s}"',
  'python-single': "{i}Token = '{s}'",
  'python-double': '{i}Token = "{s}"',
  csv: '{i}Token,{s},',
  logstash: '  "{i}Token" => "{s}"',
  'make-eq': '{i}_TOKEN = "{s}"',
  'make-colon-eq': '{i}_TOKEN := "{s}"',
  'make-2colon-eq': '{i}_TOKEN ::= "{s}"',
  'make-3colon-eq': '{i}_TOKEN :::= "{s}"',
  'make-cond': '{i}_TOKEN ?= "{s}"',
  'make-append': '{i}_TOKEN += "{s}"',
};
const parse = (src) => {
  const out = [];
  let cur;
  for (const line of src.split('\n')) {
    const h = /^### (\S+) (\S+) (\S+) ([+\-ix])(\*)?(?: (\S+))?\s*$/.exec(line);
    if (h) {
      const file = !h[5] && h[6]?.startsWith('@') ? h[6].slice(1) : undefined;
      cur = { source: h[1], rule: h[2], vendor: h[3], label: h[4], spread: h[5] ? (h[6] ?? '') : undefined, file, lines: [] };
      out.push(cur);
    } else if (cur) cur.lines.push(line);
  }
  return out.flatMap(({ lines, spread, file, ...e }) => {
    const body = expand(lines.join('\n').replace(/\n+$/, ''));
    if (spread === undefined) return [{ ...e, name: file, context: 'as-given', text: body + '\n' }];
    return Object.entries(CONTEXTS).map(([context, t]) => ({
      ...e,
      context,
      text: t.replaceAll('{i}', spread).replace('{s}', () => body) + '\n',
    }));
  });
};

if (!existsSync(dataFile)) {
  console.error(`no data file at ${dataFile}: write it from the sources (see the header of this script and bench/scanner/README.md)`);
  process.exit(2);
}
const examples = parse(readFileSync(dataFile, 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'kh-refex-'));
try {
  mkdirSync(join(dir, 'src'));
  examples.forEach((e, i) => {
    // one file per example; `@name` in the header gives it a file name (rules tied to nuget.config, *.yaml…)
    e.file = e.name ? `src/ex${String(i).padStart(5, '0')}/${e.name}` : `src/ex${String(i).padStart(5, '0')}.conf`;
    if (e.name) mkdirSync(join(dir, dirname(e.file)), { recursive: true });
    writeFileSync(join(dir, e.file), e.text);
  });
  const r = spawnSync(
    process.execPath,
    [cli, 'scan', '.', '--format', 'json', '--no-vault', '--no-gitignore', '--no-progress', '--exit-zero'],
    {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      env: { ...process.env, KEYHAVEN_ADDR: '', KEYHAVEN_TOKEN: '' },
    },
  );
  if (r.status !== 0) throw new Error(`scan exited ${r.status}: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const findings = Array.isArray(report) ? report : report.findings;
  const byFile = new Map();
  for (const f of findings) {
    const k = f.file.replace(/\\/g, '/').replace(/^\.\//, '');
    (byFile.get(k) ?? byFile.set(k, []).get(k)).push(f);
  }
  for (const e of examples) e.findings = byFile.get(e.file) ?? [];

  // Which rule ids are generic, from the built scanner's own rule list (the JSON report does not say).
  const scannerEntry = createRequire(cli).resolve('@keyhaven/scanner');
  const { rules } = await import(pathToFileURL(scannerEntry).href);
  const genericIds = new Set(rules.filter((x) => x.generic).map((x) => x.id));
  const GENERIC = { test: (id) => genericIds.has(id) };
  const stats = (list) => {
    const s = { pos: 0, found: 0, foundSpecific: 0, neg: 0, flagged: 0, info: 0, infoFlagged: 0, x: 0, xFlagged: 0 };
    for (const e of list) {
      const hit = e.findings.length > 0;
      if (e.label === '+') {
        s.pos++;
        if (hit) s.found++;
        if (e.findings.some((f) => !GENERIC.test(f.ruleId))) s.foundSpecific++;
      } else if (e.label === '-') {
        s.neg++;
        if (hit) s.flagged++;
      } else if (e.label === 'i') {
        s.info++;
        if (hit) s.infoFlagged++;
      } else {
        s.x++;
        if (hit) s.xFlagged++;
      }
    }
    return s;
  };
  const pct = (a, b) => (b ? ((100 * a) / b).toFixed(1) + ' %' : '–');
  const group = (key) => {
    const m = new Map();
    for (const e of examples) (m.get(key(e)) ?? m.set(key(e), []).get(key(e))).push(e);
    return [...m.entries()].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  };
  const line = (name, s) =>
    `| ${name} | ${s.found}/${s.pos} (${pct(s.found, s.pos)}) | ${s.foundSpecific}/${s.pos} | ${s.flagged}/${s.neg} | ${s.infoFlagged}/${s.info} | ${s.xFlagged}/${s.x} |`;
  const head =
    '| | positives found (any rule) | by a specific rule | negatives flagged | informational flagged | their-regex misses found |\n|---|---:|---:|---:|---:|---:|';
  console.log(`examples: ${examples.length} from ${dataFile}\n`);
  console.log(head);
  for (const [src, list] of group((e) => e.source)) console.log(line(src, stats(list)));
  const nonGeneric = examples.filter((e) => e.vendor !== 'generic');
  console.log(line('all', stats(examples)));
  console.log(line('all, vendor examples only', stats(nonGeneric)));
  console.log(line('all, generic examples only', stats(examples.filter((e) => e.vendor === 'generic'))));
  for (const [src, l] of group((e) => e.source))
    console.log(line(`${src}, examples as written (no syntax spread)`, stats(l.filter((e) => e.context === 'as-given'))));
  // per reference rule: every positive found, at least one found
  const ruleGroups = group((e) => `${e.source}/${e.rule}`)
    .map(([, l]) => l.filter((e) => e.label === '+'))
    .filter((l) => l.length);
  const allFound = ruleGroups.filter((l) => l.every((e) => e.findings.length)).length;
  const anyFound = ruleGroups.filter((l) => l.some((e) => e.findings.length)).length;
  console.log(`\nreference rules with positives: ${ruleGroups.length}; all positives found: ${allFound}; at least one found: ${anyFound}`);
  console.log('\nper syntax (spread examples):\n' + head);
  for (const [c, l] of group((e) => e.context)) console.log(line(c, stats(l)));
  if (list) {
    console.log('\nper vendor:\n' + head);
    for (const [v, l] of group((e) => e.vendor)) console.log(line(v, stats(l)));
    const show = (e) => `${e.source} ${e.rule} [${e.vendor}] (${e.context}) ${JSON.stringify(e.text.trim().slice(0, 150))}`;
    console.log('\nmissed positives:');
    for (const e of examples) if (e.label === '+' && e.findings.length === 0) console.log('  ' + show(e));
    console.log('\nflagged negatives:');
    for (const e of examples)
      if (e.label === '-' && e.findings.length) console.log(`  ${show(e)} -> ${e.findings.map((f) => f.ruleId).join(',')}`);
    console.log('\nnot found by a specific rule, per rule (positives missed by specific rules / positives; first example):');
    for (const [k, l] of group((e) => `${e.source} ${e.rule} [${e.vendor}]`)) {
      const pos = l.filter((e) => e.label === '+');
      const miss = pos.filter((e) => !e.findings.some((f) => !GENERIC.test(f.ruleId)));
      if (miss.length)
        console.log(
          `  ${k} ${miss.length}/${pos.length} ${JSON.stringify(miss[0].text.trim().slice(0, 110))} -> ${miss[0].findings.map((f) => f.ruleId).join(',') || 'nothing'}`,
        );
    }
    console.log('\nfound only by generic rules:');
    for (const e of examples)
      if (e.label === '+' && e.vendor !== 'generic' && e.findings.length && e.findings.every((f) => GENERIC.test(f.ruleId)))
        console.log(`  ${show(e)} -> ${e.findings.map((f) => f.ruleId).join(',')}`);
  }
  if (jsonOut) {
    const bySource = Object.fromEntries(group((e) => e.source).map(([k, l]) => [k, stats(l)]));
    const byVendor = Object.fromEntries(group((e) => `${e.source}/${e.vendor}`).map(([k, l]) => [k, stats(l)]));
    // per reference rule: how many positives, how many a specific rule found, and which of our rules fired
    const byRule = Object.fromEntries(
      group((e) => `${e.source}/${e.rule}`).map(([k, l]) => {
        const pos = l.filter((e) => e.label === '+');
        const ids = new Set(pos.flatMap((e) => e.findings.map((f) => f.ruleId).filter((id) => !GENERIC.test(id))));
        return [
          k,
          {
            pos: pos.length,
            foundSpecific: pos.filter((e) => e.findings.some((f) => !GENERIC.test(f.ruleId))).length,
            ruleIds: [...ids].sort(),
          },
        ];
      }),
    );
    writeFileSync(jsonOut, JSON.stringify({ when: new Date().toISOString(), total: stats(examples), bySource, byVendor, byRule }, null, 2));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
