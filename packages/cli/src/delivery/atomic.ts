// Atomic file delivery: write a file through a temporary sibling and rename (mode 0600), and swap a
// directory of files the way kubelet updates secret volumes: files live in a timestamped directory,
// `..data` is a symlink to it, and each key is a symlink `key -> ..data/key`; the swap renames a new
// `..data` symlink over the old one, so readers see either the old or the new set, never a mix.
import { mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const writeFileAtomic = (file: string, content: string | Buffer, mode = 0o600) => {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, content, { mode });
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never created */
    }
    throw e;
  }
};

const KEY = /^[A-Za-z0-9._-]+$/;

/** Writes `files` as a kubelet-style atomic directory; returns the new data directory name. */
export const writeDirAtomic = (dir: string, files: Record<string, string>): string => {
  for (const k of Object.keys(files)) {
    if (!KEY.test(k) || k.startsWith('..'))
      throw new Error(`"${k}" cannot be a file name in a secret directory (letters, digits, ".", "_", "-").`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${randomBytes(3).toString('hex')}`;
  const dataDir = path.join(dir, stamp);
  mkdirSync(dataDir, { mode: 0o700 });
  for (const [k, v] of Object.entries(files)) writeFileSync(path.join(dataDir, k), v, { mode: 0o600 });
  let previous: string | undefined;
  try {
    previous = readlinkSync(path.join(dir, '..data'));
  } catch {
    /* first write */
  }
  const tmpLink = path.join(dir, `..data_tmp.${randomBytes(3).toString('hex')}`);
  symlinkSync(stamp, tmpLink);
  renameSync(tmpLink, path.join(dir, '..data'));
  // Key links: add new ones, drop keys that no longer exist.
  for (const k of Object.keys(files)) {
    const link = path.join(dir, k);
    try {
      lstatSync(link);
    } catch {
      symlinkSync(path.join('..data', k), link);
    }
  }
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..')) continue;
    if (!(entry in files)) {
      try {
        if (lstatSync(path.join(dir, entry)).isSymbolicLink()) unlinkSync(path.join(dir, entry));
      } catch {
        /* raced */
      }
    }
  }
  if (previous && previous !== stamp) rmSync(path.join(dir, previous), { recursive: true, force: true });
  return stamp;
};
