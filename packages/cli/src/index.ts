// @keyhaven/cli public entry: the program builder and runner, for tests and embedding.
export { buildProgram, CLI_VERSION } from './program.js';
export { runCli } from './run.js';
export { EXIT, CliError, UsageError, describeError } from './errors.js';
export type { CliIo } from './io.js';
export type { CommandContext } from './context.js';
