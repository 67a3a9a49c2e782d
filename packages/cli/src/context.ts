// Global options (--addr, --token, --tenant, --format) and the SDK client built from them. Each
// option falls back to its KEYHAVEN_* environment variable, then to the default.
import { Option, type Command } from 'commander';
import { createClient, type KeyhavenClient } from '@keyhaven/sdk';
import type { CliIo } from './io.js';
import type { OutputFormat } from './output.js';
import { readStoredToken } from './token-store.js';

export const DEFAULT_ADDR = 'http://127.0.0.1:8377';
export const DEFAULT_TENANT = 'default';
export const FORMATS = ['table', 'json', 'yaml', 'dotenv'] as const;

export interface GlobalOptions {
  addr: string;
  token?: string;
  tenant: string;
  format?: OutputFormat;
}

/** What every command registration receives. */
export interface CommandContext {
  io: CliIo;
  /** The SDK client for the global options of the running command. */
  getClient(): KeyhavenClient;
  /** The global options as parsed for the running command. */
  globals(): GlobalOptions;
}

export const addGlobalOptions = (program: Command) =>
  program
    .addOption(new Option('--addr <url>', 'server address').env('KEYHAVEN_ADDR').default(DEFAULT_ADDR))
    .addOption(new Option('--token <token>', 'API token (prefer the environment variable: flags show up in ps)').env('KEYHAVEN_TOKEN'))
    .addOption(new Option('--tenant <id>', 'tenant to work in').env('KEYHAVEN_TENANT').default(DEFAULT_TENANT))
    .addOption(new Option('--format <format>', 'output for machines instead of tables').choices(FORMATS));

export const createContext = (program: Command, io: CliIo): CommandContext => {
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  return {
    io,
    globals,
    getClient() {
      const g = globals();
      // --token / KEYHAVEN_TOKEN win over the token `keyhaven login` stored.
      return createClient({ addr: g.addr, token: g.token ?? readStoredToken() ?? '', tenant: g.tenant, userAgent: 'keyhaven-cli/0.1' });
    },
  };
};
