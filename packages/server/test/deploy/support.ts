// Test support for deployment: the BUILT `keyhaven server` as a child process (as an operator runs
// it), waited on until it listens, and the built CLI for one-shot commands.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { CLI } from '../delivery/support.js';

export { CLI, ROOT, runCli, tempDir, cleanup, waitFor } from '../delivery/support.js';

export const assertBuilt = () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
};

export const masterKey = () => randomBytes(32).toString('base64');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  rootToken: string | undefined;
  output(): { stdout: string; stderr: string };
  stop(): Promise<number | null>;
}

const children = new Set<ChildProcess>();
export const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};

/** Starts `keyhaven server <args>` with only `env` (plus PATH/HOME) and resolves once it listens. */
export const startServerProcess = (args: string[], env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'server', '--listen', '127.0.0.1:0', ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KEYHAVEN_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((r) =>
      child.on('exit', (code) => {
        children.delete(child);
        r(code);
      }),
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not listen within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /Listening on (http:\/\/\S+)/.exec(stdout);
      // the root token line follows the listening line on a first start
      if (m && (/Root token/.test(stdout) ? /export KEYHAVEN_ADDR/.test(stdout) : true)) {
        clearTimeout(timer);
        setTimeout(
          () =>
            resolve({
              child,
              url: m[1]!,
              rootToken: /Root token[^:]*: (\S+)/.exec(stdout)?.[1],
              output: () => ({ stdout, stderr }),
              stop: async () => {
                if (child.exitCode === null) child.kill('SIGTERM');
                return exited;
              },
            }),
          50,
        );
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${stderr}`));
    });
  });

export const api = (url: string, token: string) => async (method: string, path: string, body?: unknown) => {
  const r = await fetch(url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'x-tenant-id': 'default',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, json, text };
};
