// Exit codes of the keyhaven CLI and the mapping from any thrown error to a code and a one-line
// message for stderr. Messages come from the server catalogue or from here; never from secret values.
import { KeyhavenApiError, KeyhavenUnavailableError } from '@keyhaven/sdk';

export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, UNAVAILABLE: 3, NOT_FOUND: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the server refused or failed the request (prints "Error [CODE]: message (request id …)")
  2  usage error: bad flags or arguments, invalid server configuration, refused confirmation
  3  the server is unreachable (check --addr / KEYHAVEN_ADDR)
  4  not found (the server answered 404: secret, version, field, tenant or token)`;

/** An error the CLI raises itself, with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.ERROR,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad flags or arguments: exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
    this.name = 'UsageError';
  }
}

/** Maps an error to its exit code and the text printed on stderr. */
export const describeError = (e: unknown): { exitCode: ExitCode; message: string } => {
  if (e instanceof KeyhavenApiError) {
    const rid = e.requestId ? ` (request id ${e.requestId})` : '';
    // A missing, wrong, expired or revoked token: say where the CLI takes its token from.
    // A refused login (AUTH_*) is about the credential, not the CLI's token.
    const hint =
      e.status === 401 && !e.code.startsWith('AUTH_')
        ? '\nSet KEYHAVEN_TOKEN (or --token) to a valid token for this server, or log in with `keyhaven login`: the root token printed at its first start, or one from `keyhaven tokens create`.'
        : '';
    return { exitCode: e.status === 404 ? EXIT.NOT_FOUND : EXIT.ERROR, message: `Error [${e.code}]: ${e.message}${rid}${hint}` };
  }
  if (e instanceof KeyhavenUnavailableError) {
    const hint = e.message.includes('KEYHAVEN_ADDR') ? '' : ' Check KEYHAVEN_ADDR (or --addr) and that the server runs.';
    return { exitCode: EXIT.UNAVAILABLE, message: `Error [${e.code}]: ${e.message}${hint}` };
  }
  if (e instanceof CliError) return { exitCode: e.exitCode, message: `Error: ${e.message}` };
  // Unexpected: say what kind of failure without dumping objects that might hold values.
  const msg = e instanceof Error ? e.message : String(e);
  return { exitCode: EXIT.ERROR, message: `Error: ${msg}` };
};
