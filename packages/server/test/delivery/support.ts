// Test support for delivery: a real listening server (SQLite in a temp dir) and the BUILT CLI run as
// a child process, as a user would run it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, startServer, type RunningServer } from '@keyhaven/server';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const CLI = path.join(ROOT, 'packages/cli/dist/main.js');

export const tempDir = (prefix = 'keyhaven-delivery-') => mkdtempSync(path.join(os.tmpdir(), prefix));

export interface RealServer {
  url: string;
  rootToken: string;
  running: RunningServer;
  dataDir: string;
  masterKey: string;
  close(): Promise<void>;
}

export const startRealServer = async (o: { dataDir?: string; masterKey?: string; port?: number } = {}): Promise<RealServer> => {
  const dataDir = o.dataDir ?? tempDir();
  const masterKey = o.masterKey ?? randomBytes(32).toString('base64');
  const config = loadConfig({ env: {}, flags: { listen: `127.0.0.1:${o.port ?? 0}`, dataDir, masterKey, logLevel: 'silent' } });
  let rootToken = '';
  const running = await startServer(config, {
    print: (l) => {
      const m = /Root token[^:]*: (\S+)/.exec(l);
      if (m) rootToken = m[1]!;
    },
  });
  return {
    url: running.url,
    rootToken: running.rootToken ?? rootToken,
    running,
    dataDir,
    masterKey,
    async close() {
      await running.close();
    },
  };
};

export const assertCliBuilt = () => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: build with npx tsc -b packages/sdk packages/scanner packages/server packages/cli`);
};

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const spawnCli = (args: string[], env: Record<string, string | undefined>, opts: { cwd?: string; input?: string } = {}) => {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    cwd: opts.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => {
    stdout += c;
  });
  child.stderr!.on('data', (c) => {
    stderr += c;
  });
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  else child.stdin!.end();
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, out: () => stdout, err: () => stderr };
};

export const runCli = (args: string[], env: Record<string, string | undefined>, opts: { cwd?: string; input?: string } = {}) =>
  spawnCli(args, env, opts).done;

/** Waits until `check` is true (polling), failing after `timeoutMs`. */
export const waitFor = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

export const cleanup = (dir: string) => rmSync(dir, { recursive: true, force: true });
