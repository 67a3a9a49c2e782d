// `keyhaven server`: runs a Keyhaven server in this process through @keyhaven/server's public entry
// (loaded lazily so other commands start fast) and shuts it down cleanly on SIGINT/SIGTERM.
import { Option, type Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';

interface ServerOptions {
  config?: string;
  listen?: string;
  dataDir?: string;
  databaseUrl?: string;
  masterKeyFile?: string;
  logLevel?: string;
  dev?: boolean;
  devRootToken?: string;
}

const codeOf = (e: unknown) => (typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined);

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;

/** Output nobody reads (stdout into a stalled pipe) must not keep a stopped server alive: Node
 *  flushes pending pipe writes synchronously at exit, which would block for ever. Dropped, and said. */
const dropUnreadOutput = (ctx: CommandContext) => {
  const pending = process.stdout.writableLength;
  if (pending > 0) {
    ctx.io.err(
      `Standard output is not being read; ${pending} bytes of output were dropped at shutdown (the audit trail in the database is complete).\n`,
    );
    process.stdout.destroy();
  }
};

/** Resolves once a signal asked the server to stop and it has closed (or the deadline passed). */
const untilStopped = (close: () => Promise<void>, ctx: CommandContext) =>
  new Promise<void>((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        ctx.io.err(`Received ${signal} again; exiting without waiting.\n`);
        dropUnreadOutput(ctx);
        process.exit(EXIT.ERROR);
      }
      stopping = true;
      ctx.io.err(`Received ${signal}; shutting down…\n`);
      const deadline = setTimeout(() => {
        ctx.io.err(`Shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s (a stalled audit sink or connection); exiting.\n`);
        dropUnreadOutput(ctx);
        process.exit(EXIT.ERROR);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      close().then(() => {
        clearTimeout(deadline);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        // Whatever a plugin left running must not keep a stopped server alive.
        setTimeout(() => {
          dropUnreadOutput(ctx);
          process.exit(process.exitCode ?? EXIT.OK);
        }, 1000).unref();
        resolve();
      }, reject);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

export const registerServerCommand = (program: Command, ctx: CommandContext) =>
  program
    .command('server')
    .description('run a Keyhaven server (configuration from --config, KEYHAVEN_* variables and flags)')
    .addOption(new Option('--config <file>', 'YAML or JSON config file').env('KEYHAVEN_CONFIG'))
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:8377; port 0 picks a free port)')
    .option('--data-dir <dir>', 'directory for the SQLite store and master key file (default ./data)')
    .option('--database-url <url>', 'postgres://… or a SQLite path (default <data-dir>/keyhaven.db)')
    .option('--master-key-file <file>', 'file holding the master key (created on first start); or set KEYHAVEN_MASTER_KEY')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .option('--dev', 'development mode: temporary store and in-memory master key, deleted on exit')
    .addOption(new Option('--dev-root-token <token>', 'root token to use in --dev mode').env('KEYHAVEN_DEV_ROOT_TOKEN'))
    .addHelpText(
      'after',
      `
Precedence: flags > environment (KEYHAVEN_LISTEN, KEYHAVEN_DATA_DIR, KEYHAVEN_DATABASE_URL(_FILE),
KEYHAVEN_MASTER_KEY(_FILE), KEYHAVEN_LOG_LEVEL, KEYHAVEN_TLS_CERT_FILE/KEY_FILE) > --config file > defaults.
An invalid configuration lists every problem and exits 2; a master key that does not open the store exits 1.
SIGINT or SIGTERM closes the server gracefully and exits 0: requests in flight finish, connections
that carry no request (idle, never used, event streams) are closed at once; a shutdown that takes
longer than 10 s (a stalled audit sink or request) exits 1, and output nobody reads is dropped, never
waited for.

Examples:
  keyhaven server --data-dir /var/lib/keyhaven --master-key-file /etc/keyhaven/master.key
  KEYHAVEN_DATABASE_URL=postgres://keyhaven@db/keyhaven KEYHAVEN_MASTER_KEY_FILE=/run/secrets/mk keyhaven server --listen 0.0.0.0:8377
  keyhaven server --config /etc/keyhaven/config.yaml
  keyhaven server --dev --dev-root-token dev-root     # throw-away server for local development`,
    )
    .action(async (o: ServerOptions) => {
      const server = await import('@keyhaven/server');
      const flags = {
        listen: o.listen,
        dataDir: o.dataDir,
        databaseUrl: o.databaseUrl,
        masterKeyFile: o.masterKeyFile,
        logLevel: o.logLevel as 'info' | undefined,
        dev: o.dev ? true : undefined,
        devRootToken: o.devRootToken,
      };
      let config;
      try {
        config = server.loadConfig({ file: o.config, env: process.env, flags });
      } catch (e) {
        if (codeOf(e) === 'CONFIG_INVALID') throw new CliError((e as Error).message, EXIT.USAGE);
        throw e;
      }
      let running;
      try {
        running = await server.startServer(config, { print: (line) => ctx.io.out(line + '\n') });
      } catch (e) {
        const code = codeOf(e);
        if (code === 'CONFIG_INVALID') throw new CliError((e as Error).message, EXIT.USAGE);
        if (e instanceof server.KeyhavenError) throw new CliError(`[${code}] ${e.message}`, EXIT.ERROR);
        throw new CliError(`The server could not start: ${(e as Error).message}`, EXIT.ERROR);
      }
      await untilStopped(() => running.close(), ctx);
      ctx.io.err('Server stopped.\n');
    });
