// Test-only worker entry: injects faults into the file reads of the REAL scan worker, then loads it.
// A file named throw-here* makes the scan of that file throw (the read returns a buffer-like object
// whose length getter throws); a file named crash-here* ends the worker thread (process.exit); a file
// named loop-here* never finishes (a busy loop, as a rule backtracking without end would).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const realRead = fs.readFileSync;
const patched = (...args: Parameters<typeof fs.readFileSync>) => {
  const name = path.basename(String(args[0]));
  if (name.startsWith('throw-here'))
    return {
      get length(): number {
        throw new TypeError('injected fault');
      },
    };
  if (name.startsWith('crash-here')) process.exit(3);
  if (name.startsWith('loop-here')) for (;;) Math.random();
  return realRead(...args);
};
(fs as { readFileSync: unknown }).readFileSync = patched;
syncBuiltinESMExports();
await import('../../src/targets/scan-worker.ts');
