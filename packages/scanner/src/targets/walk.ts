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

interface Level {
  dir: string;
  ig: Ignore;
}

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

interface Frame {
  entries: import('node:fs').Dirent[];
  i: number;
  lv: Level[];
  dir: string;
}

const openDir = async (dir: string, levels: Level[], useGitignore: boolean): Promise<Frame | undefined> => {
  const here = useGitignore ? await loadGitignore(dir) : undefined;
  const lv = here ? [...levels, { dir, ig: here }] : levels;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, i: 0, lv, dir };
};

/**
 * Streams regular files in a deterministic order (sorted names, depth first) as they are found, so
 * scanning can start before the walk ends. Files under a directory root carry no size (the scanner
 * reads it from the file); pass `stat: true` to have the walker stat each file.
 */
export async function* walkFilesStream(
  roots: string[],
  opts: WalkOptions & { stat?: boolean } = {},
): AsyncGenerator<Omit<WalkedFile, 'size'> & { size?: number }> {
  const useGitignore = opts.gitignore !== false;
  for (const root of roots) {
    const absRoot = path.resolve(root);
    const st = await stat(absRoot);
    if (st.isFile()) {
      yield { abs: absRoot, rel: toPosix(path.relative(process.cwd(), absRoot)) || path.basename(absRoot), size: st.size };
      continue;
    }
    const base: Level[] = opts.exclude?.length ? [{ dir: absRoot, ig: ignore().add(opts.exclude) }] : [];
    const first = await openDir(absRoot, base, useGitignore);
    const stack: Frame[] = first ? [first] : [];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i >= top.entries.length) {
        stack.pop();
        continue;
      }
      const e = top.entries[top.i++];
      if (e.name === '.git') continue;
      const abs = path.join(top.dir, e.name);
      if (e.isDirectory()) {
        if (ignoredBy(top.lv, abs, true)) continue;
        const f = await openDir(abs, top.lv, useGitignore);
        if (f) stack.push(f);
      } else if (e.isFile()) {
        if (ignoredBy(top.lv, abs, false)) continue;
        const rel = toPosix(path.relative(absRoot, abs));
        if (!opts.stat) {
          yield { abs, rel };
          continue;
        }
        const s = await stat(abs).catch(() => undefined);
        if (s) yield { abs, rel, size: s.size };
      }
    }
  }
}

/** The whole walk as a list (every file stat'ed). */
export const walkFiles = async (roots: string[], opts: WalkOptions = {}): Promise<WalkedFile[]> => {
  const out: WalkedFile[] = [];
  for await (const f of walkFilesStream(roots, { ...opts, stat: true })) out.push(f as WalkedFile);
  return out;
};
