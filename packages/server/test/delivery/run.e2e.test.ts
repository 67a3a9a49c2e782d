// `keyhaven run` end to end: the built CLI against a real server: environment, naming rule and
// collisions, masking, signals and exit codes, --watch restarts on a new version, offline snapshot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient } from '@keyhaven/sdk';
import { assertCliBuilt, cleanup, runCli, spawnCli, startRealServer, tempDir, waitFor, type RealServer } from './support.js';

let server: RealServer;
let env: Record<string, string>;
let dir: string;
const DB_PASSWORD = 'pw-' + randomBytes(8).toString('hex');
const API_KEY = 'sk-' + randomBytes(12).toString('hex');

beforeAll(async () => {
  assertCliBuilt();
  server = await startRealServer();
  dir = tempDir();
  env = { KEYHAVEN_ADDR: server.url, KEYHAVEN_TOKEN: server.rootToken, KEYHAVEN_TENANT: 'default' };
  const c = createClient({ addr: server.url, token: server.rootToken });
  await c.secrets.set('apps/web/db', { user: 'web', password: DB_PASSWORD });
  await c.secrets.set('apps/web/api-key', API_KEY);
  await c.secrets.set('apps/other/api-key', 'other-' + randomBytes(6).toString('hex'));
});
afterAll(async () => {
  await server?.close();
  cleanup(dir);
});

const printEnv = [
  'node',
  '-e',
  'for (const k of ["DB_USER","DB_PASSWORD","API_KEY","WEB_KEY","KEYHAVEN_TOKEN","FROM_FILE"]) console.log(k + "=" + (process.env[k] ?? "<unset>"))',
];
const parseEnv = (s: string) =>
  Object.fromEntries(
    s
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('keyhaven run', () => {
  it('starts the child with secrets named by the rule (path below --prefix, JSON fields expanded), without the token', async () => {
    const r = await runCli(['run', '--prefix', 'apps/web/', '--no-mask', '--', ...printEnv], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = parseEnv(r.stdout);
    expect(got).toMatchObject({ DB_USER: 'web', DB_PASSWORD, API_KEY, KEYHAVEN_TOKEN: '<unset>' });
  });

  it('masks secret values printed by the child, on stdout and stderr, even split across writes', async () => {
    const half = Math.floor(API_KEY.length / 2);
    const script = `process.stdout.write("key=${API_KEY.slice(0, half)}"); setTimeout(() => { process.stdout.write("${API_KEY.slice(half)} done\\n"); console.error("db " + process.env.DB_PASSWORD); }, 50);`;
    const r = await runCli(['run', '--prefix', 'apps/web/', '--', 'node', '-e', script], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('key=***** done\n');
    expect(r.stderr).toBe('db *****\n');
    const plain = await runCli(['run', '--prefix', 'apps/web/', '--no-mask', '--', 'node', '-e', 'console.log(process.env.API_KEY)'], env);
    expect(plain.stdout.trim()).toBe(API_KEY);
  });

  it('passes the exit code through and reports a signal-killed child as 128+n', async () => {
    expect((await runCli(['run', '--select', 'apps/web/api-key', '--', 'node', '-e', 'process.exit(7)'], env)).code).toBe(7);
    expect(
      (await runCli(['run', '--select', 'apps/web/api-key', '--', 'node', '-e', 'process.kill(process.pid, "SIGKILL")'], env)).code,
    ).toBe(137);
    const missing = await runCli(['run', '--select', 'apps/web/api-key', '--', 'definitely-not-a-command-xyz'], env);
    expect(missing.code).toBe(127);
  });

  it('forwards SIGTERM to the child, which can clean up and choose its exit code', async () => {
    const script =
      'process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(42); }); console.log("ready"); setInterval(() => {}, 1000);';
    const p = spawnCli(['run', '--select', 'apps/web/api-key', '--', 'node', '-e', script], env);
    await waitFor(() => p.out().includes('ready'), 'the child to start');
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.stdout).toContain('got SIGTERM');
    expect(r.code).toBe(42);
  });

  it('applies --map over the rule, and refuses two secrets mapping to one variable, naming both', async () => {
    const r = await runCli(['run', '--select', 'apps/*/api-key', '--map', 'apps/web/api-key=WEB_KEY', '--no-mask', '--', ...printEnv], env);
    expect(r.code).toBe(0);
    expect(parseEnv(r.stdout)).toMatchObject({ WEB_KEY: API_KEY });
    const clash = await runCli(['run', '--select', 'apps/*/api-key', '--', 'true'], env);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('apps/other/api-key');
    expect(clash.stderr).toContain('apps/web/api-key');
    expect(clash.stderr).toContain('API_KEY');
    expect(clash.stderr).not.toContain(API_KEY);
  });

  it('reads FOO from FOO_FILE (from --env-file, or the environment with --file-env) when FOO is not otherwise set, and masks it', async () => {
    const f = path.join(dir, 'from-file');
    writeFileSync(f, 'file-secret-value\n');
    const show = ['node', '-e', 'console.log(String(process.env.FROM_FILE?.length), process.env.FROM_FILE)'];
    const r = await runCli(['run', '--select', 'apps/web/api-key', '--file-env', '--', ...show], { ...env, FROM_FILE_FILE: f });
    expect(r.stdout).toBe('17 *****\n');
    // Without --file-env, inherited *_FILE variables (SSL_CERT_FILE and the like) are left alone.
    const off = await runCli(['run', '--select', 'apps/web/api-key', '--', ...show], { ...env, FROM_FILE_FILE: f });
    expect(off.stdout).toBe('undefined undefined\n');
    const envFile = path.join(dir, 'vars.env');
    writeFileSync(envFile, `FROM_FILE_FILE=${f}\nMISSING_FILE=${path.join(dir, 'nope')}\n`);
    const viaEnvFile = await runCli(['run', '--select', 'apps/web/api-key', '--env-file', envFile, '--', ...show], env);
    expect(viaEnvFile.stdout).toBe('17 *****\n');
    expect(viaEnvFile.stderr).toContain('MISSING_FILE');
  });

  it('--watch restarts the child with the new value when a secret it uses gets a new version', async () => {
    const c = createClient({ addr: server.url, token: server.rootToken });
    await c.secrets.set('apps/watch/token', 'first-value');
    const script =
      'console.log("token " + process.env.TOKEN.length + " " + process.env.TOKEN.slice(0, 5)); process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000);';
    const p = spawnCli(['run', '--watch', '--prefix', 'apps/watch/', '--', 'node', '-e', script], env);
    await waitFor(() => p.out().includes('token 11 first'), 'the first child');
    await c.secrets.set('apps/watch/token', 'second-value-longer');
    await waitFor(() => p.out().includes('token 19 secon'), 'the restarted child with the new value');
    expect(p.err()).toContain('restarting');
    p.child.kill('SIGTERM');
    await p.done;
  });

  it('--snapshot writes an encrypted 0600 file and uses it (with a warning) when the server is down', async () => {
    const snap = path.join(dir, 'run.snap');
    const key = { KEYHAVEN_SNAPSHOT_PASSPHRASE: 'correct horse battery staple' };
    const ok = await runCli(
      ['run', '--prefix', 'apps/web/', '--snapshot', snap, '--no-mask', '--', 'node', '-e', 'console.log(process.env.API_KEY)'],
      { ...env, ...key },
    );
    expect(ok.stdout.trim()).toBe(API_KEY);
    expect(statSync(snap).mode & 0o777).toBe(0o600);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(snap, 'utf8')).not.toContain(API_KEY);
    const down = { ...env, KEYHAVEN_ADDR: 'http://127.0.0.1:9' };
    const off = await runCli(
      ['run', '--prefix', 'apps/web/', '--snapshot', snap, '--no-mask', '--', 'node', '-e', 'console.log(process.env.API_KEY)'],
      { ...down, ...key },
    );
    expect(off.code).toBe(0);
    expect(off.stdout.trim()).toBe(API_KEY);
    expect(off.stderr).toContain('offline snapshot');
    const wrongKey = await runCli(['run', '--prefix', 'apps/web/', '--snapshot', snap, '--', 'true'], {
      ...down,
      KEYHAVEN_SNAPSHOT_PASSPHRASE: 'wrong',
    });
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.stderr).toContain('does not open');
    const noSnap = await runCli(['run', '--prefix', 'apps/web/', '--', 'true'], down);
    expect(noSnap.code).toBe(3);
  });
});
