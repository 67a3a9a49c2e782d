// Starts a server process: config → app → bootstrap → listen, with dev mode and clean shutdown.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { KeyhavenConfig } from './config/config-schema.js';
import { buildApp, bootstrap, databaseUrlOf, type KeyhavenApp } from './app.js';
import { createLocalKekSource } from './barrier/kek-sources/local-key.js';
import { fail, KeyhavenError } from './lib/errors.js';
import { mapDriverError } from './storage/database.js';

export interface RunningServer {
  app: KeyhavenApp;
  url: string;
  dataDir: string;
  rootToken?: string;
  close(): Promise<void>;
}

const splitListen = (listen: string) => {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(listen.slice(i + 1)) };
};

/** A driver error on the way up, said as the catalogue says it: a damaged SQLite file is
 *  DATABASE_CORRUPT with what to do, wherever in start-up SQLite first met the damage. */
const startupError = (e: unknown, config: KeyhavenConfig): unknown => {
  const mapped = mapDriverError(e);
  if (mapped instanceof KeyhavenError && mapped.code === 'DATABASE_CORRUPT' && !(e instanceof KeyhavenError)) {
    return new KeyhavenError(
      'DATABASE_CORRUPT',
      `The database file ${databaseUrlOf(config)} is damaged (SQLite: ${(e as Error).message}). Stop every server using it and restore the database from a backup (docs/operations.md).`,
      mapped.details,
      { cause: e },
    );
  }
  return mapped;
};

export const startServer = async (
  config: KeyhavenConfig,
  io: { print: (line: string) => void } = { print: (l) => process.stdout.write(l + '\n') },
): Promise<RunningServer> => {
  try {
    return await startServerUnmapped(config, io);
  } catch (e) {
    throw startupError(e, config);
  }
};

const startServerUnmapped = async (config: KeyhavenConfig, io: { print: (line: string) => void }): Promise<RunningServer> => {
  let tempDir: string | undefined;
  let effective = config;
  let kekSource;
  if (config.dev) {
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'keyhaven-dev-'));
    // As Vault's dev mode does: a KV v2 mount `secret/` (here on the default tenant), so `vault kv put
    // secret/foo a=b` works with no configuration. A configured `secret` mount keeps its tenant.
    const vaultCompat = { ...config.vaultCompat, mounts: { secret: 'default', ...config.vaultCompat.mounts } };
    effective = Object.freeze({ ...config, dataDir: tempDir, databaseUrl: path.join(tempDir, 'keyhaven.db'), vaultCompat });
    kekSource = createLocalKekSource(randomBytes(32), 'in-memory dev master key');
  }
  const app = await buildApp(effective, { kekSource });
  const { host, port } = splitListen(effective.listen);
  try {
    await app.http.listen({ host, port });
  } catch (e) {
    // Release the database (and its lock), timers and sinks, so the process can exit.
    await app.close().catch(() => undefined);
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'the address is already in use (another server is listening there; stop it or choose another --listen)'
        : code === 'EACCES'
          ? 'permission denied (ports below 1024 need privileges; choose another --listen)'
          : code === 'EADDRNOTAVAIL'
            ? 'the address is not on this machine (check --listen)'
            : (e as Error).message;
    throw fail('LISTEN_FAILED', `Cannot listen on ${effective.listen}: ${why}.`, { listen: effective.listen, code: code ?? null });
  }
  // After listening, so a server that cannot listen has not created (and lost) the one-time root token.
  let boot;
  try {
    boot = await bootstrap(app, { rootToken: config.dev ? config.devRootToken : undefined });
  } catch (e) {
    await app.close().catch(() => undefined);
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    throw e;
  }
  const addr = app.http.server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : port;
  const url = `${effective.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;

  if (config.dev) {
    io.print('Keyhaven is running in DEV mode: in-memory master key, temporary store, deleted on exit. Never use it for real secrets.');
  } else {
    io.print(`Keyhaven ${databaseUrlOf(effective).startsWith('postgres') ? 'on PostgreSQL' : `data in ${effective.dataDir}`}`);
  }
  io.print(`Listening on ${url}`);
  io.print(
    app.consolePath
      ? `Web console: ${url}${app.consolePath}`
      : 'Web console: not built (run `npm run build`) or turned off (console.enabled)',
  );
  if (boot) {
    io.print('');
    io.print(`Root token (shown once, store it safely): ${boot.rootToken}`);
    io.print(`  export KEYHAVEN_ADDR=${url} KEYHAVEN_TOKEN=${boot.rootToken} KEYHAVEN_TENANT=default`);
    io.print('');
  }
  return {
    app,
    url,
    dataDir: effective.dataDir,
    rootToken: boot?.rootToken,
    async close() {
      await app.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
};
