#!/usr/bin/env node
// The `keyhaven` executable: runs the CLI on process.argv and exits with its code.
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2));
