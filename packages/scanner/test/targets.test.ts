// File-system target: .gitignore (root and nested, negation), .git always skipped, binary and
// huge files skipped with a reason, worker-thread pool equals in-thread results, progress events.
import { describe, expect, it } from 'vitest';
import { scanPaths, type ScanProgress } from '../src/index.js';
import { ghToken, tmpDir, write } from './helpers.js';

const tree = () => {
  const root = tmpDir();
  write(root, 'src/app.ts', `export const t = "${ghToken('app')}";\n`);
  write(root, '.gitignore', 'dist/\n*.log\n!keep.log\n');
  write(root, 'dist/bundle.js', `x="${ghToken('dist')}"`);
  write(root, 'debug.log', `t=${ghToken('log')}`);
  write(root, 'keep.log', `t=${ghToken('keep')}`);
  write(root, 'pkg/.gitignore', 'generated.ts\n');
  write(root, 'pkg/generated.ts', `t=${ghToken('gen')}`);
  write(root, 'pkg/index.ts', `t=${ghToken('pkg')}`);
  write(root, '.git/config', `t=${ghToken('git')}`);
  write(root, 'image.png', Buffer.concat([Buffer.from([0x89, 0x50, 0, 0]), Buffer.from(ghToken('bin'))]));
  write(root, 'big.txt', 'a'.repeat(2048) + ghToken('big'));
  return root;
};

describe('scanPaths', () => {
  it('respects nested .gitignore files and skips .git, binary and huge files', async () => {
    const root = tree();
    const r = await scanPaths([root], { threads: 1, maxFileSize: 1024 });
    expect(r.findings.map((f) => f.file).sort()).toEqual(['keep.log', 'pkg/index.ts', 'src/app.ts']);
    expect(r.skipped).toEqual(
      expect.arrayContaining([{ file: 'image.png', reason: 'binary' }, expect.objectContaining({ file: 'big.txt', reason: 'too-large' })]),
    );
  });
  it('can ignore .gitignore when asked', async () => {
    const r = await scanPaths([tree()], { threads: 1, gitignore: false });
    expect(r.findings.map((f) => f.file)).toEqual(expect.arrayContaining(['dist/bundle.js', 'debug.log', 'pkg/generated.ts']));
    expect(r.findings.some((f) => f.file.startsWith('.git/'))).toBe(false);
  });
  it('gives the same findings on worker threads, with progress to completion', async () => {
    const root = tree();
    for (let i = 0; i < 40; i++) write(root, `many/f${i}.env`, `TOKEN=${ghToken('m' + i)}\n`);
    const single = await scanPaths([root], { threads: 1 });
    const events: ScanProgress[] = [];
    const multi = await scanPaths([root], { threads: 2, onProgress: (p) => events.push(p) });
    const key = (fs: typeof single.findings) => fs.map((f) => `${f.file}:${f.line}:${f.fingerprint}`).sort();
    expect(key(multi.findings)).toEqual(key(single.findings));
    expect(multi.findings).toHaveLength(43);
    const last = events[events.length - 1];
    expect(last.filesDone).toBe(last.filesTotal);
    expect(last.bytesDone).toBe(last.bytesTotal);
  });
});
