// End-to-end tests of `keyhaven server`: config problems exit 2 with every problem listed, a wrong
// master key exits 1, dev mode serves requests, and SIGTERM stops it with exit 0 and no leftovers.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cliFor, randomMasterKey, runCli, spawnCli, tempDir } from './support/harness.js';

// Each test runs the CLI as several child processes; leave room for a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

const dirs: string[] = [];
const children: ChildProcess[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

beforeAll(() => assertBuilt());
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts `keyhaven server …` and resolves with its URL once it prints "Listening on". */
const startCliServer = (args: string[], env: Record<string, string | undefined> = {}) => {
  const child = spawnCli(['server', '--log-level', 'silent', ...args], env);
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of [...waiters]) w();
  });
  /** Resolves with the first match of `re` in stdout, or rejects when the server exits first. */
  const waitFor = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = re.exec(stdout);
        if (m) resolve(m[1]);
      };
      waiters.push(check);
      check();
      void exited.then((e) => reject(new Error(`server exited early (${e.code}): ${stderr}`)));
    });
  const url = waitFor(/Listening on (http:\/\/\S+)/);
  return { child, url, waitFor, exited, output: () => ({ stdout, stderr }) };
};

describe('keyhaven server', () => {
  it('lists every configuration problem and exits 2', async () => {
    const r = await runCli(['server', '--listen', 'nope', '--log-level', 'silent'], {
      env: { KEYHAVEN_MASTER_KEY: randomMasterKey(), KEYHAVEN_MASTER_KEY_FILE: '/nonexistent/key' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid configuration');
    expect(r.stderr).toMatch(/- listen: must be host:port/);
    expect(r.stderr).toMatch(/- masterKey: set either KEYHAVEN_MASTER_KEY or KEYHAVEN_MASTER_KEY_FILE, not both/);
  });

  it('reports a config file that cannot be read, and rejects bad flag values as usage errors', async () => {
    const r = await runCli(['server', '--config', path.join(dir(), 'missing.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config file .*missing\.yaml: cannot be read/);
    expect((await runCli(['server', '--log-level', 'loud'])).code).toBe(2);
    expect(
      (
        await runCli(['server', '--dev-root-token', 'T', '--listen', '127.0.0.1:0'], {
          env: { KEYHAVEN_MASTER_KEY: randomMasterKey(), KEYHAVEN_DATA_DIR: dir() },
        })
      ).stderr,
    ).toMatch(/devRootToken: --dev-root-token only applies with --dev/);
  });

  it('runs in dev mode with the given root token, and SIGTERM exits 0 and removes the temp store', async () => {
    const tmp = dir(); // the dev store goes under TMPDIR, so the test can watch it appear and vanish
    const s = startCliServer(['--dev', '--dev-root-token', 'dev-root-T', '--listen', '127.0.0.1:0'], { TMPDIR: tmp });
    const url = await s.url;
    expect(s.output().stdout).toContain('DEV mode');
    expect(readdirSync(tmp).filter((n) => n.startsWith('keyhaven-dev-'))).toHaveLength(1);

    const cli = cliFor({ url }, 'dev-root-T');
    expect((await cli(['secrets', 'set', 'dev/x', 'works'])).code).toBe(0);
    expect((await cli(['secrets', 'get', 'dev/x'])).stdout).toBe('works\n');
    expect((await cliFor({ url }, 'other')(['secrets', 'get', 'dev/x'])).code).toBe(1);

    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.output().stderr).toContain('shutting down');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('keeps data across restarts with the same master key, and exits 1 with MASTER_KEY_INVALID on another', async () => {
    const env = { KEYHAVEN_DATA_DIR: dir(), KEYHAVEN_MASTER_KEY: randomMasterKey() };
    const first = startCliServer(['--listen', '127.0.0.1:0'], env);
    const url = await first.url;
    const rootToken = await first.waitFor(/Root token \(shown once, store it safely\): (\S+)/);
    expect((await cliFor({ url }, rootToken)(['secrets', 'set', 'kept', 'v'])).code).toBe(0);
    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(0);

    const second = startCliServer(['--listen', '127.0.0.1:0'], env);
    const url2 = await second.url;
    expect((await cliFor({ url: url2 }, rootToken)(['secrets', 'get', 'kept'])).stdout).toBe('v\n');
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    const wrong = await runCli(['server', '--listen', '127.0.0.1:0', '--log-level', 'silent'], {
      env: { ...env, KEYHAVEN_MASTER_KEY: randomMasterKey() },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/MASTER_KEY_INVALID/);
  });
});
