// Runs the program on argv and returns the exit code: commander usage errors → 2, API errors → 1,
// unreachable server → 3, not found → 4 (see errors.ts). Nothing here calls process.exit.
import { CommanderError, type Command } from 'commander';
import { describeError, EXIT, type ExitCode } from './errors.js';
import { processIo, type CliIo } from './io.js';
import { buildProgram, CLI_VERSION } from './program.js';

const GLOBAL_WITH_VALUE = new Set(['--addr', '--token', '--tenant', '--format']);

/** `keyhaven nope --help` would print the root help and exit 0: find a word that names no command
 *  (walking the command tree) when help is asked for, so it is an error instead. */
const unknownCommandBeforeHelp = (program: Command, argv: string[]): string | undefined => {
  if (!argv.some((a) => a === '--help' || a === '-h')) return undefined;
  let cmd = program;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (a.startsWith('-')) {
      if (GLOBAL_WITH_VALUE.has(a)) i++;
      continue;
    }
    if (!cmd.commands.length) return undefined;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (sub) {
      cmd = sub;
      continue;
    }
    if (a === 'help' && cmd === program) return undefined;
    // A command with its own arguments (scan [paths...]) takes the word as an argument.
    return cmd.registeredArguments.length ? undefined : a;
  }
  return undefined;
};

/** argv without the node and script entries, e.g. ['secrets', 'get', 'x']. */
export const runCli = async (argv: string[], io: CliIo = processIo()): Promise<ExitCode> => {
  // `--version` is a flag of `secrets get`, so the program cannot own it: answer it only when alone.
  if (argv.length === 1 && (argv[0] === '-V' || argv[0] === '--version')) {
    io.out(`keyhaven ${CLI_VERSION}\n`);
    return EXIT.OK;
  }
  const program = buildProgram(io);
  const unknown = unknownCommandBeforeHelp(program, argv);
  if (unknown) {
    io.err(`error: unknown command '${unknown}'\n(run keyhaven --help for the list of commands)\n`);
    return EXIT.USAGE;
  }
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
