// Directory walker: yields regular files under the given roots, honouring .gitignore files at every
// level (nested ones apply to their own subtree), always skipping .git, never following symlinks.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

export interface WalkedFile {
  abs: string;
  /** Path relative to the scan root (forward slashes); used in findings. */
  rel: string;
  size: number;
}

export interface WalkOptions {
  gitignore?: boolean;
  /** Extra ignore patterns (gitignore syntax) applied from each root. */
  exclude?: string[];
}

interface Level { dir: string; ig: Ignore }

const toPosix = (p: string) => p.split(path.sep).join('/');

const loadGitignore = async (dir: string): Promise<Ignore | undefined> => {
  try {
    const text = await readFile(path.join(dir, '.gitignore'), 'utf8');
    return ignore().add(text);
  } catch {
    return undefined;
  }
};

const ignoredBy = (levels: Level[], abs: string, isDir: boolean): boolean => {
  let ignored = false;
  for (const { dir, ig } of levels) {
    const rel = toPosix(path.relative(dir, abs)) + (isDir ? '/' : '');
    const r = ig.test(rel);
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
};

export const walkFiles = async (roots: string[], opts: WalkOptions = {}): Promise<WalkedFile[]> => {
  const out: WalkedFile[] = [];
  const useGitignore = opts.gitignore !== false;
  for (const root of roots) {
    const absRoot = path.resolve(root);
    const st = await stat(absRoot);
    if (st.isFile()) {
      out.push({ abs: absRoot, rel: toPosix(path.relative(process.cwd(), absRoot)) || path.basename(absRoot), size: st.size });
      continue;
    }
    const base: Level[] = opts.exclude?.length ? [{ dir: absRoot, ig: ignore().add(opts.exclude) }] : [];
    const visit = async (dir: string, levels: Level[]): Promise<void> => {
      const here = useGitignore ? await loadGitignore(dir) : undefined;
      const lv = here ? [...levels, { dir, ig: here }] : levels;
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (e.name === '.git') continue;
        const abs = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!ignoredBy(lv, abs, true)) await visit(abs, lv);
        } else if (e.isFile()) {
          if (ignoredBy(lv, abs, false)) continue;
          const s = await stat(abs).catch(() => undefined);
          if (s) out.push({ abs, rel: toPosix(path.relative(absRoot, abs)), size: s.size });
        }
      }
    };
    await visit(absRoot, base);
  }
  return out;
};
