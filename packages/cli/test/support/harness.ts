// Test harness for the CLI end-to-end tests: a real Keyhaven server in-process (SQLite in a temp
// dir) and the BUILT CLI (packages/cli/dist/main.js) run as a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, startServer, type RunningServer } from '@keyhaven/server';

const cliRoot = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_BIN = path.join(cliRoot, 'dist', 'main.js');

/** Source files whose compiled .js in dist is older than the source (stale build). */
const staleFiles = (srcDir: string, distDir: string): string[] =>
  readdirSync(srcDir, { withFileTypes: true }).flatMap((e) => {
    const src = path.join(srcDir, e.name);
    if (e.isDirectory()) return staleFiles(src, path.join(distDir, e.name));
    if (!e.name.endsWith('.ts') || e.name.endsWith('.test.ts')) return [];
    let built: number;
    try {
      built = statSync(path.join(distDir, e.name.replace(/\.ts$/, '.js'))).mtimeMs;
    } catch {
      return []; // never built: not imported by anything that was built (a new file is caught via its importer)
    }
    return statSync(src).mtimeMs > built ? [path.relative(srcDir, src)] : [];
  });

/** Fails loudly when dist is missing or older than src: the tests must run the code under review. */
export const assertBuilt = () => {
  try {
    statSync(CLI_BIN);
  } catch {
    throw new Error(`${CLI_BIN} is missing: build first (npm run build, or npx tsc -b packages/cli).`);
  }
  const stale = staleFiles(path.join(cliRoot, 'src'), path.join(cliRoot, 'dist'));
  if (stale.length) throw new Error(`packages/cli/dist is older than src (${stale.join(', ')}): build first (npm run build).`);
};

export const tempDir = (prefix = 'keyhaven-cli-test-') => mkdtempSync(path.join(os.tmpdir(), prefix));
export const randomMasterKey = () => randomBytes(32).toString('base64');

export interface TestServer {
  url: string;
  rootToken: string;
  close(): Promise<void>;
}

/** A real server on a free loopback port with a fresh SQLite store. */
export const startTestServer = async (): Promise<TestServer> => {
  const dataDir = tempDir();
  const config = loadConfig({ env: {}, flags: { listen: '127.0.0.1:0', dataDir, masterKey: randomMasterKey(), logLevel: 'silent' } });
  const running: RunningServer = await startServer(config, { print: () => {} });
  if (!running.rootToken) throw new Error('the test server did not bootstrap a root token');
  return {
    url: running.url,
    rootToken: running.rootToken,
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}
export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** The environment of a child CLI: no inherited KEYHAVEN_* settings, only what the test gives. */
export const childEnv = (env: Record<string, string | undefined> = {}) => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KEYHAVEN_')));
  return { ...base, NO_COLOR: '1', ...env } as NodeJS.ProcessEnv;
};

export const spawnCli = (args: string[], env: Record<string, string | undefined> = {}): ChildProcess =>
  spawn(process.execPath, [CLI_BIN, ...args], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });

/** Runs the built CLI asynchronously (the in-process server must keep answering meanwhile). */
export const runCli = (args: string[], o: RunOptions = {}): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = spawnCli(args, o.env);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.end(o.input ?? '');
  });

/** A CLI runner bound to one server, token and tenant. */
export const cliFor =
  (server: { url: string }, token: string | undefined, tenant = 'default') =>
  (args: string[], o: RunOptions = {}) =>
    runCli(args, { ...o, env: { KEYHAVEN_ADDR: server.url, KEYHAVEN_TOKEN: token, KEYHAVEN_TENANT: tenant, ...o.env } });

/** Parses dotenv lines as dotenv libraries do: bare values, or double-quoted with \\n \\" \\\\ \\$ escapes. */
export const parseDotenv = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`not a dotenv line: ${line}`);
    const raw = m[2];
    out[m[1]] =
      raw.startsWith('"') && raw.endsWith('"')
        ? raw.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (({ n: '\n', r: '\r' }) as Record<string, string>)[c] ?? c)
        : raw;
  }
  return out;
};
