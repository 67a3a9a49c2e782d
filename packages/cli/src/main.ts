#!/usr/bin/env node
// The `keyhaven` executable: runs the CLI on process.argv and exits with its code.
import { runCli } from './run.js';

// Output into a closed pipe (`keyhaven scan --help | head -1`): stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(Number(process.exitCode ?? 0));
    throw e;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
