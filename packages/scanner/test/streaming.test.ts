// The streamed walk: scanning starts before the walk ends, the queue between walk and workers stays
// within its bound, a file that throws or kills its worker is reported as an error for that file
// (the scan finishes), and results come out in walk order on any number of threads.
import { describe, expect, it } from 'vitest';
import { scanPaths, type ScanEvent } from '../src/index.js';
import { runFileStream } from '../src/targets/pool.js';
import { walkFilesStream } from '../src/targets/walk.js';
import { ghToken, tmpDir, write } from './helpers.js';

const faulty = new URL('./support/faulty-worker.ts', import.meta.url);

const firstScannedBeforeLastListed = (events: ScanEvent[], files: number) => {
  const firstScanned = events.findIndex((e) => e.type === 'scanned');
  const lastListed = events.findIndex((e) => e.type === 'listed' && e.index === files - 1);
  const walkDone = events.findIndex((e) => e.type === 'walk-done');
  return { firstScanned, lastListed, walkDone };
};

describe('streamed walk', () => {
  it('scans the first file before a walk slowed by thousands of directories lists the last one (1 thread)', async () => {
    const root = tmpDir();
    write(root, 'a.env', `TOKEN=${ghToken('first')}\n`);
    for (let i = 0; i < 1500; i++) write(root, `d${String(i).padStart(4, '0')}/x.txt`, 'nothing here\n');
    const events: ScanEvent[] = [];
    const r = await scanPaths([root], { threads: 1, onEvent: (e) => events.push(e) });
    expect(r.stats.files).toBe(1501);
    const { firstScanned, lastListed, walkDone } = firstScannedBeforeLastListed(events, 1501);
    expect(events[firstScanned]).toEqual({ type: 'scanned', file: 'a.env', index: 0 });
    expect(firstScanned).toBeGreaterThan(-1);
    expect(lastListed).toBeGreaterThan(firstScanned);
    expect(walkDone).toBeGreaterThan(lastListed);
    expect(r.findings.map((f) => f.file)).toEqual(['a.env']);
  });

  it('on worker threads, results arrive while the walk is still running, and the queue never exceeds its bound', async () => {
    const root = tmpDir();
    for (let i = 0; i < 300; i++)
      write(root, `d${String(i).padStart(3, '0')}/f.env`, i % 50 === 0 ? `TOKEN=${ghToken('q' + i)}\n` : 'x=1\n');
    const events: ScanEvent[] = [];
    const bound = 4;
    const r = await scanPaths([root], { threads: 2, queueBound: bound, onEvent: (e) => events.push(e) });
    const { firstScanned, lastListed, walkDone } = firstScannedBeforeLastListed(events, 300);
    // Back-pressure makes this deterministic: with 4 queued and 2 batches of at most 4 files per
    // worker in flight, the walk cannot list file 300 before a worker has returned a result.
    expect(firstScanned).toBeGreaterThan(-1);
    expect(lastListed).toBeGreaterThan(firstScanned);
    expect(walkDone).toBeGreaterThan(firstScanned);
    const lengths = events.flatMap((e) => (e.type === 'queue' ? [e] : []));
    expect(lengths.length).toBeGreaterThan(0);
    expect(lengths.every((e) => e.bound === bound)).toBe(true);
    expect(Math.max(...lengths.map((e) => e.length))).toBe(bound); // reached (the walk had to wait) ...
    expect(lengths.every((e) => e.length <= bound)).toBe(true); // ... and never exceeded
    expect(events.filter((e) => e.type === 'scanned')).toHaveLength(300);
    expect(r.findings.map((f) => f.file)).toEqual(['d000/f.env', 'd050/f.env', 'd100/f.env', 'd150/f.env', 'd200/f.env', 'd250/f.env']);
  });

  it('gives identical findings, in identical (walk) order, on 1 and 2 threads', async () => {
    const root = tmpDir();
    for (let i = 0; i < 120; i++) write(root, `p${i % 7}/s${i}.env`, `A=1\nTOKEN=${ghToken('o' + i)}\nB=2\n`);
    const one = await scanPaths([root], { threads: 1 });
    const two = await scanPaths([root], { threads: 2, queueBound: 16 });
    expect(two.findings).toHaveLength(120);
    expect(two.findings).toEqual(one.findings);
    expect(two.stats.files).toBe(one.stats.files);
    expect(two.stats.bytes).toBe(one.stats.bytes);
  });
});

describe('faults in workers', () => {
  const tree = () => {
    const root = tmpDir();
    for (let i = 0; i < 30; i++) write(root, `f${String(i).padStart(2, '0')}.env`, `TOKEN=${ghToken('w' + i)}\n`);
    write(root, 'crash-here.env', `TOKEN=${ghToken('crash')}\n`);
    write(root, 'throw-here.env', `TOKEN=${ghToken('throw')}\n`);
    return root;
  };

  it('reports a file whose scan throws, and a file that kills its worker, as errors for those files; the rest is scanned', async () => {
    const root = tree();
    const events: ScanEvent[] = [];
    const r = await runFileStream(
      walkFilesStream([root]),
      {},
      { threads: 2, scanInThread: false, workerEntry: faulty, onEvent: (e) => events.push(e) },
    );
    expect(r.files).toBe(32);
    expect(r.findings.map((f) => f.file)).toEqual(Array.from({ length: 30 }, (_, i) => `f${String(i).padStart(2, '0')}.env`));
    expect(r.skipped).toEqual([
      { file: 'crash-here.env', reason: 'error', detail: 'worker crashed (exit code 3)' },
      { file: 'throw-here.env', reason: 'error', detail: 'scan failed (TypeError)' },
    ]);
    expect(events.some((e) => e.type === 'worker-restart')).toBe(true);
    expect(JSON.stringify(r.skipped)).not.toContain('injected fault');
  }, 60_000);

  for (const threads of [1, 2]) {
    it(`with a per-file time limit, a file that never finishes is an error (timeout) and the rest is scanned (${threads} thread(s))`, async () => {
      const root = tree();
      write(root, 'loop-here-a.env', 'x=1\n');
      write(root, 'sub/loop-here-b.env', 'x=1\n');
      write(root, 'sub/z.env', `TOKEN=${ghToken('after')}\n`);
      const events: ScanEvent[] = [];
      const t0 = Date.now();
      // threads: 1 too: with a limit every file goes to a worker (this thread could not be interrupted),
      // and only there are the faults injected, so a file scanned here would not be reported at all.
      const r = await runFileStream(
        walkFilesStream([root]),
        {},
        { threads, workerEntry: faulty, fileTimeoutMs: 300, onEvent: (e) => events.push(e) },
      );
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(r.files).toBe(35);
      expect(r.findings.map((f) => f.file)).toEqual([
        ...Array.from({ length: 30 }, (_, i) => `f${String(i).padStart(2, '0')}.env`),
        'sub/z.env',
      ]);
      expect(r.skipped).toEqual([
        { file: 'crash-here.env', reason: 'error', detail: 'worker crashed (exit code 3)' },
        { file: 'loop-here-a.env', reason: 'error', detail: 'timeout (scan took longer than 300 ms)' },
        { file: 'sub/loop-here-b.env', reason: 'error', detail: 'timeout (scan took longer than 300 ms)' },
        { file: 'throw-here.env', reason: 'error', detail: 'scan failed (TypeError)' },
      ]);
      expect(events.filter((e) => e.type === 'worker-restart' && e.reason === 'timeout')).toHaveLength(2);
    }, 60_000);
  }

  it('a file slower than usual but within the limit is scanned normally', async () => {
    const root = tmpDir();
    for (let i = 0; i < 10; i++) write(root, `f${i}.env`, `TOKEN=${ghToken('t' + i)}\n`);
    const r = await scanPaths([root], { threads: 2, fileTimeoutMs: 10_000 });
    expect(r.skipped).toEqual([]);
    expect(r.findings).toHaveLength(10);
  }, 60_000);

  it('fails the scan with an error, not a hang, when workers keep dying', async () => {
    const root = tmpDir();
    for (let i = 0; i < 20; i++) write(root, `crash-here-${i}.env`, 'x=1\n');
    await expect(runFileStream(walkFilesStream([root]), {}, { threads: 2, scanInThread: false, workerEntry: faulty })).rejects.toThrow(
      /scan worker failed \d+ times in a row/,
    );
  }, 60_000);
});
