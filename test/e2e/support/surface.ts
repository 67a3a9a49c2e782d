// The surface test layer's helpers: the BUILT `keyhaven` binary as a subprocess, both as the server
// (`server --dev --listen 127.0.0.1:0`, parsed from its own output) and as the client, with exit
// code, stdout and stderr returned for the test to check. Nothing here imports server code.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI_MAIN = path.join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js');

export const assertBuiltCli = () => {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run npm run build first.`);
};

export const scratchDir = (prefix = 'keyhaven-e2e-') => mkdtempSync(path.join(os.tmpdir(), prefix));

/** The environment of a child: no inherited KEYHAVEN_* settings, only what the test gives. */
export const cleanEnv = (env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KEYHAVEN_')));
  return { ...base, NO_COLOR: '1', ...env } as NodeJS.ProcessEnv;
};

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (bounded by timeoutMs) and returns what a shell would see. */
export const runProcess = (
  file: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: o.env ?? cleanEnv(), cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a child that never reads stdin may close it first
    child.stdin.end(o.input ?? '');
  });

/** `keyhaven ARGS` through the built binary. */
export const keyhaven = (
  args: string[],
  o: { env?: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number } = {},
) => runProcess(process.execPath, [CLI_MAIN, ...args], { ...o, env: cleanEnv(o.env) });

export interface DevServer {
  url: string;
  rootToken: string;
  env: Record<string, string>;
  output(): string;
  stop(): Promise<void>;
}

/** `keyhaven server --dev` from the built binary on a free loopback port; resolves once it listens.
 *  Loopback egress is allowed (the tests' fake stores and targets listen on 127.0.0.1); pass
 *  env KEYHAVEN_EGRESS_ALLOW_LOOPBACK: '' for the default policy. */
export const startDevServer = async (o: { env?: Record<string, string>; args?: string[] } = {}): Promise<DevServer> => {
  const rootToken = `dev-root-${process.pid}-${Date.now()}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI_MAIN, 'server', '--dev', '--listen', '127.0.0.1:0', '--dev-root-token', rootToken, ...(o.args ?? [])],
    {
      env: cleanEnv({ KEYHAVEN_LOG_LEVEL: 'warn', KEYHAVEN_EGRESS_ALLOW_LOOPBACK: 'true', ...o.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dev server did not start in 30 s:\n${out}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    rootToken,
    env: { KEYHAVEN_ADDR: url, KEYHAVEN_TOKEN: rootToken, KEYHAVEN_TENANT: 'default' },
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
};

/** `keyhaven server` from the built binary on a given database (PostgreSQL, say) with a fresh master
 *  key, on a free loopback port; resolves once it listens and has printed its one-time root token. */
export const startServerOn = async (o: { databaseUrl: string; dataDir: string; env?: Record<string, string> }): Promise<DevServer> => {
  const child: ChildProcess = spawn(process.execPath, [CLI_MAIN, 'server', '--listen', '127.0.0.1:0'], {
    env: cleanEnv({
      KEYHAVEN_LOG_LEVEL: 'warn',
      KEYHAVEN_EGRESS_ALLOW_LOOPBACK: 'true',
      KEYHAVEN_DATABASE_URL: o.databaseUrl,
      KEYHAVEN_DATA_DIR: o.dataDir,
      KEYHAVEN_MASTER_KEY: randomBytes(32).toString('base64'),
      ...o.env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const { url, rootToken } = await new Promise<{ url: string; rootToken: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 30 s:\n${out}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      const m = /export KEYHAVEN_ADDR=(\S+) KEYHAVEN_TOKEN=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], rootToken: m[2] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    rootToken,
    env: { KEYHAVEN_ADDR: url, KEYHAVEN_TOKEN: rootToken, KEYHAVEN_TENANT: 'default' },
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
};
