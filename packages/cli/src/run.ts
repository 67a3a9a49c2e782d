// Runs the program on argv and returns the exit code: commander usage errors → 2, API errors → 1,
// unreachable server → 3, not found → 4 (see errors.ts). Nothing here calls process.exit.
import { CommanderError } from 'commander';
import { describeError, EXIT, type ExitCode } from './errors.js';
import { processIo, type CliIo } from './io.js';
import { buildProgram, CLI_VERSION } from './program.js';

/** argv without the node and script entries, e.g. ['secrets', 'get', 'x']. */
export const runCli = async (argv: string[], io: CliIo = processIo()): Promise<ExitCode> => {
  // `--version` is a flag of `secrets get`, so the program cannot own it: answer it only when alone.
  if (argv.length === 1 && (argv[0] === '-V' || argv[0] === '--version')) {
    io.out(`keyhaven ${CLI_VERSION}\n`);
    return EXIT.OK;
  }
  const program = buildProgram(io);
  // A command may set process.exitCode itself (scan: 1 on findings; rotate: 1 on a failed rotation):
  // that code is the result, never overwritten with 0.
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    const set = Number(process.exitCode ?? 0);
    return (set === 0 ? EXIT.OK : set) as ExitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message (or the help text).
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const { exitCode, message } = describeError(e);
    io.err(message + '\n');
    return exitCode;
  } finally {
    if (process.exitCode === undefined) process.exitCode = before;
  }
};
