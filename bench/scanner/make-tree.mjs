// Copies files of a source tree (default: the repo's node_modules) in walk order into a fixed-size
// benchmark tree, so every build is measured on the same bytes.
// Usage: node bench/scanner/make-tree.mjs <dest> [--src dir] [--mb 150]
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const dest = path.resolve(args[0] ?? '/tmp/keyhaven-scan-bench');
const src = path.resolve(flag('--src', path.join(repo, 'node_modules')));
const cap = Number(flag('--mb', '150')) * 1024 * 1024;
let bytes = 0;
let files = 0;
const visit = (dir) => {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (bytes >= cap) return;
    const abs = path.join(dir, e.name);
    if (e.name === '.git') continue;
    if (e.isDirectory()) visit(abs);
    else if (e.isFile()) {
      const size = statSync(abs).size;
      if (size > 10 * 1024 * 1024 || bytes + size > cap) continue;
      const to = path.join(dest, path.relative(src, abs));
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(abs, to);
      bytes += size;
      files++;
    }
  }
};
visit(src);
console.log(JSON.stringify({ dest, src, files, bytes, mib: +(bytes / 1048576).toFixed(1) }));
