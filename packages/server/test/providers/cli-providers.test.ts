// The provider CLI in process against a real server on a loopback port: `keyhaven providers add|list|
// test|validate|import|remove`, `keyhaven sync add|status|run|list|remove` and `keyhaven operator rewrap`.
// Credentials go in by file or stdin and never come back out.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/start-server.js';
import { startFakeVault, type FakeVault } from '../support/providers/fake-vault.js';
import { runCli } from '../../../cli/src/run.js';
import type { CliIo } from '../../../cli/src/io.js';

const cli = async (args: string[], stdin = '') => {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    readStdin: async () => stdin,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    color: false,
    ask: async () => '',
  };
  const code = await runCli(args, io);
  return { code, out, err };
};

describe('provider CLI', () => {
  let server: RunningServer;
  let vault: FakeVault;
  let g: string[];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-cli-prov-'));
  const files = mkdtempSync(path.join(os.tmpdir(), 'kh-cli-prov-files-')); // the operator's allowed dotenv directory

  beforeAll(async () => {
    vault = await startFakeVault();
    const config = loadConfig({
      env: {},
      flags: {
        listen: '127.0.0.1:0',
        dataDir: dir,
        masterKey: randomBytes(32).toString('base64'),
        logLevel: 'silent',
        providers: { dotenv: { enabled: true, directories: [files] } },
        egress: { allowLoopback: true },
      },
    });
    server = await startServer(config, { print: () => {} });
    g = ['--addr', server.url, '--token', server.rootToken!];
  });
  afterAll(async () => {
    await server?.close();
    await vault?.close();
  });

  it('adds providers with credentials from a file or stdin, lists, tests and validates them', async () => {
    const credFile = path.join(dir, 'vault-cred.json');
    writeFileSync(credFile, JSON.stringify({ token: vault.rootToken }));
    const add = await cli([
      ...g,
      'providers',
      'add',
      'vault',
      '--config',
      `address=${vault.url}`,
      '--config',
      'timeout_ms=3000',
      '--credential-file',
      credFile,
      '--test',
    ]);
    expect(add).toMatchObject({
      code: 0,
      out: 'Configured provider vault (vault); credential stored as secret keyhaven/providers/vault/credential\n',
    });
    const viaStdin = await cli(
      [...g, 'providers', 'add', 'vault', '--name', 'vault-2', '--config', `address=${vault.url}`, '--credential-stdin'],
      `token: ${vault.rootToken}\n`,
    );
    expect(viaStdin.code).toBe(0);
    expect((await cli([...g, 'providers', 'add', 'dotenv', '--config', `path=${path.join(files, 'out.env')}`])).code).toBe(0);
    const list = await cli([...g, 'providers', 'list', '--format', 'json']);
    expect(JSON.parse(list.out).map((p: { id: string }) => p.id)).toEqual(['dotenv', 'vault', 'vault-2']);
    expect(list.out).not.toContain(vault.rootToken);
    expect(await cli([...g, 'providers', 'test', 'vault'])).toMatchObject({ code: 0, out: expect.stringMatching(/^ok: vault/) });
    const wrong = path.join(dir, 'wrong.json');
    writeFileSync(wrong, '{"token":"hvs.wrong"}');
    const v = await cli([...g, 'providers', 'validate', 'vault', '--credential-file', wrong]);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/FAIL connection: PROVIDER_AUTH_FAILED/);
    expect((await cli([...g, 'providers', 'add', 'vault', '--credential-file', credFile, '--credential-stdin'])).code).toBe(2);
  });

  it('syncs to a dotenv file, shows status, and imports with a dry run', async () => {
    await cli([...g, 'secrets', 'set', 'dev/db-url', 'postgres://dev']);
    const add = await cli([
      ...g,
      'sync',
      'add',
      '--provider',
      'dotenv',
      '--prefix',
      'dev/',
      '--template',
      '{{relative|replace:-:_|upper}}',
      '--id',
      'dev-env',
    ]);
    expect(add).toMatchObject({ code: 0, out: 'Added sync destination dev-env: 1 secret(s) queued\n' });
    expect((await cli([...g, 'sync', 'run'])).code).toBe(0);
    expect(readFileSync(path.join(files, 'out.env'), 'utf8')).toContain('DB_URL=postgres://dev');
    const st = await cli([...g, 'sync', 'status', '--destination', 'dev-env']);
    expect(st.out).toMatch(/^ok 1, pending 0, error 0\n/);
    expect((await cli([...g, 'sync', 'list'])).out).toMatch(/dev-env\s+dev\/\*\s+dotenv/);

    const { createProvider } = await import('../../src/providers/provider-registry.js');
    const remote = await createProvider('vault', { address: vault.url }, { token: vault.rootToken });
    await remote.write('legacy/one', '1');
    const dry = await cli([...g, 'providers', 'import', 'vault', '--prefix', 'legacy/', '--dry-run']);
    expect(dry).toMatchObject({ code: 0, out: 'Dry run: would create 1, update 0, unchanged 0, skipped 0.\n  + legacy/one\n' });
    expect((await cli([...g, 'secrets', 'get', 'legacy/one'])).code).toBe(4);
    expect((await cli([...g, 'providers', 'import', 'vault', '--prefix', 'legacy/'])).code).toBe(0);
    expect((await cli([...g, 'secrets', 'get', 'legacy/one'])).out).toBe('1\n');
    expect((await cli([...g, 'providers', 'remove', 'dotenv'])).err).toMatch(/PROVIDER_IN_USE/);
    expect((await cli([...g, 'sync', 'remove', 'dev-env'])).code).toBe(0);
    expect((await cli([...g, 'providers', 'remove', 'dotenv'])).code).toBe(0);
  });

  it('operator rewrap moves the keyring to another master key and says to restart with it', async () => {
    const file = path.join(dir, 'new-key.yaml');
    writeFileSync(file, `masterKeySource:\n  kind: local\n  key: ${randomBytes(32).toString('base64')}\n`);
    const r = await cli([...g, 'operator', 'rewrap', '--to', file]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/start Keyhaven with this masterKeySource/);
    expect((await cli([...g, 'secrets', 'get', 'legacy/one'])).out).toBe('1\n');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'masterKeySource:\n  kind: hsm\n');
    expect((await cli([...g, 'operator', 'rewrap', '--to', bad])).err).toMatch(/MASTER_KEY_SOURCE_INVALID/);
  });
});
