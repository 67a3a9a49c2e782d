// Every command group through the BUILT binary against a server started from the built binary, on
// the embedded default (a dev server on SQLite) and on PostgreSQL (a fresh database owned by a
// non-superuser role, so row-level security applies): exit codes, stdout, stderr and files, as a
// shell or CI job sees them.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuiltCli, keyhaven, scratchDir, startDevServer, startServerOn, type DevServer } from './support/surface.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../../packages/server/test/support/backends.js';

vi.setConfig({ testTimeout: 120_000 });

for (const backend of ['sqlite', ...(postgresAvailable ? ['postgres'] : [])] as const) {
  describe(`keyhaven (built binary) against a server on ${backend === 'sqlite' ? 'SQLite (dev)' : 'PostgreSQL'}`, () => {
    let server: DevServer;
    let dir: string;
    let db: TestDatabase | undefined;
    const kh = (args: string[], o: { env?: Record<string, string | undefined>; input?: string } = {}) =>
      keyhaven(args, { cwd: dir, input: o.input, env: { ...server.env, ...o.env } });

    beforeAll(async () => {
      assertBuiltCli();
      dir = scratchDir();
      // the operator allows the dotenv provider in the scratch directory only
      const env = { KEYHAVEN_LOG_LEVEL: 'WARN', KEYHAVEN_PROVIDERS_DOTENV_ENABLED: 'true', KEYHAVEN_PROVIDERS_DOTENV_DIRECTORIES: dir }; // upper case is accepted
      if (backend === 'sqlite') server = await startDevServer({ env });
      else {
        db = await createTestDatabase('postgres');
        server = await startServerOn({ databaseUrl: db.url, dataDir: db.dataDir, env });
      }
    });
    afterAll(async () => {
      await server?.stop();
      await db?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('secrets: set, get, list, history, update, delete, restore; dotenv names match export', async () => {
      expect((await kh(['secrets', 'set', 'apps/billing/db', '--field', 'user=app', '--field', 'password=pw'])).code).toBe(0);
      expect(await kh(['secrets', 'get', 'apps/billing/db#password'])).toMatchObject({ code: 0, stdout: 'pw\n' });
      expect((await kh(['secrets', 'list', '--format', 'json'])).stdout).toContain('apps/billing/db');
      expect((await kh(['secrets', 'history', 'apps/billing/db'])).stdout).toMatch(/^VERSION/);
      expect((await kh(['secrets', 'update', 'apps/billing/db', '--owner', 'team'])).code).toBe(0);
      const got = (await kh(['secrets', 'get', 'apps/billing/db', '--format', 'dotenv'])).stdout;
      const exported = (await kh(['export', '--format', 'dotenv', '--select', 'apps/billing/db'])).stdout;
      expect(got).toBe(exported);
      expect(got).toContain('DB_PASSWORD=pw');
      expect((await kh(['secrets', 'delete', 'apps/billing/db'])).code).toBe(0);
      expect((await kh(['secrets', 'get', 'apps/billing/db'])).code).not.toBe(0);
      expect((await kh(['secrets', 'restore', 'apps/billing/db'])).code).toBe(0);
      expect((await kh(['secrets', 'get', 'nope/missing'])).code).toBe(4);
    });

    it('tenants and tokens: create, list, self; a token of the new tenant works there', async () => {
      expect((await kh(['tenants', 'create', 'acme', '--name', 'Acme'])).code).toBe(0);
      expect((await kh(['tenants', 'list'])).stdout).toContain('acme');
      const t = await kh(['tokens', 'create', '--name', 'bot', '--role', 'read', '--ttl', '1d', '--format', 'json'], {
        env: { KEYHAVEN_TENANT: 'acme' },
      });
      expect(t.code).toBe(0);
      const token = JSON.parse(t.stdout).token as string;
      const self = await kh(['tokens', 'self', '--format', 'json'], { env: { KEYHAVEN_TOKEN: token, KEYHAVEN_TENANT: 'acme' } });
      const me = JSON.parse(self.stdout);
      expect(me.name).toBe('bot');
      expect(me.grants).toEqual([expect.objectContaining({ tenant: 'acme', role: 'read' })]);
      expect((await kh(['tokens', 'list'], { env: { KEYHAVEN_TENANT: 'acme' } })).stdout).toContain('bot');
    });

    it('policies, roles and audit', async () => {
      writeFileSync(path.join(dir, 'p.json'), '[{"effect":"allow","actions":["read","list"],"paths":["apps/billing/**"]}]');
      expect((await kh(['policies', 'put', 'billing-read', '--file', 'p.json'])).code).toBe(0);
      expect((await kh(['roles', 'put', 'billing-reader', '--policy', 'billing-read'])).code).toBe(0);
      expect((await kh(['roles', 'list'])).stdout).toContain('billing-reader');
      expect((await kh(['audit', 'log', '--format', 'json'])).code).toBe(0);
      expect((await kh(['audit', 'verify'])).code).toBe(0);
      const csv = await kh(['audit', 'export', '--as', 'csv', '-o', 'audit.csv']);
      expect(csv.code).toBe(0);
      expect(readFileSync(path.join(dir, 'audit.csv'), 'utf8').split('\n')[0]).toMatch(/time|action/);
    });

    it('rotation: register, rotate, history, schedules', async () => {
      expect((await kh(['rotation', 'register', 'apps/api-key', '--type', 'api_key', '--interval-days', '30'])).code).toBe(0);
      const r = await kh(['rotate', 'apps/api-key', '--format', 'json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).new_version).toBeGreaterThanOrEqual(1);
      expect((await kh(['history', 'apps/api-key'])).code).toBe(0);
      expect((await kh(['schedules'])).stdout).toContain('apps/api-key');
    });

    it('providers and sync with a dotenv file store', async () => {
      const envFile = path.join(dir, 'synced.env');
      const p = await kh(['providers', 'add', 'dotenv', '--name', 'local', '--config', `path=${envFile}`, '--format', 'json']);
      expect(p.code, p.stderr).toBe(0);
      expect((await kh(['providers', 'list'])).stdout).toContain('local');
      expect((await kh(['secrets', 'set', 'dev/app-key', 'v1'])).code).toBe(0);
      const s = await kh(['sync', 'add', '--provider', 'local', '--prefix', 'dev/', '--template', '{{relative|replace:-:_|upper}}']);
      expect(s.code, s.stderr).toBe(0);
      expect((await kh(['sync', 'run'])).code).toBe(0);
      expect(readFileSync(envFile, 'utf8')).toContain('APP_KEY=v1');
    });

    it('run, inject, export and import', async () => {
      await kh(['secrets', 'set', 'apps/web/api-token', 'tok-123']);
      const run = await kh(['run', '--prefix', 'apps/web/', '--', 'sh', '-c', 'test "$API_TOKEN" = tok-123 && echo "got $API_TOKEN"']);
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain('tok-123'); // masked in output
      writeFileSync(path.join(dir, 'c.tmpl'), 'token: {{ keyhaven://apps/web/api-token }}\n');
      expect((await kh(['inject', '-i', 'c.tmpl', '-o', 'c.yaml'])).code).toBe(0);
      expect(readFileSync(path.join(dir, 'c.yaml'), 'utf8')).toBe('token: tok-123\n');
      expect((await kh(['export', '--format', 'dir', '--prefix', 'apps/web/', '--output', 'out'])).code).toBe(0);
      expect(readFileSync(path.join(dir, 'out', 'API_TOKEN'), 'utf8')).toBe('tok-123');
      writeFileSync(path.join(dir, 'in.env'), 'FOO=bar\n');
      expect((await kh(['import', 'in.env', '--prefix', 'imported/'])).code).toBe(0);
      expect((await kh(['secrets', 'get', 'imported/FOO'])).stdout).toBe('bar\n');
    });

    it('scan exits 1 on findings through the binary', async () => {
      writeFileSync(path.join(dir, 'leak.txt'), `t=${'gh' + 'p_' + 'R8xk2Lq9Vb3Nw7Tz5Yc1Hd4Jf6Gm0Sp2Ua8E'}\n`);
      expect((await kh(['scan', 'leak.txt', '--no-vault'])).code).toBe(1);
    });

    it('status: address, health, identity and tenant; json for machines', async () => {
      const r = await kh(['status']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(server.url);
      expect(r.stdout).toMatch(/Health:\s+ok/);
      const j = JSON.parse((await kh(['status', '--format', 'json'])).stdout);
      expect(j).toMatchObject({ addr: server.url, tenant: 'default', health: { status: 'ok' }, token: { role: 'root' } });
    });

    it('a wrong or missing token says what to do (KEYHAVEN_TOKEN); an unreachable server names KEYHAVEN_ADDR', async () => {
      for (const token of ['khv_wrong', undefined]) {
        const r = await kh(['secrets', 'list'], { env: { KEYHAVEN_TOKEN: token } });
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('KEYHAVEN_TOKEN');
      }
      const st = await kh(['status'], { env: { KEYHAVEN_TOKEN: 'khv_wrong' } });
      expect(st.code).toBe(1);
      expect(st.stdout).toContain('not authenticated');
      const down = await kh(['status'], { env: { KEYHAVEN_ADDR: 'http://127.0.0.1:9' } });
      expect(down.code).toBe(3);
      expect(down.stderr).toContain('KEYHAVEN_ADDR');
    });

    it('completion scripts are generated from the command tree', async () => {
      const b = await kh(['completion', 'bash']);
      expect(b.code).toBe(0);
      writeFileSync(path.join(dir, 'c.bash'), b.stdout);
      const { runProcess } = await import('./support/surface.js');
      const words = await runProcess('bash', [
        '-c',
        'source "$0"; COMP_WORDS=(keyhaven secrets g); COMP_CWORD=2; _keyhaven; echo "${COMPREPLY[@]}"',
        path.join(dir, 'c.bash'),
      ]);
      expect(words.stdout.trim()).toBe('get');
      expect((await kh(['completion', 'fish'])).stdout).toContain('-a status');
      expect((await kh(['completion', 'zsh'])).stdout).toMatch(/^#compdef keyhaven/);
      expect((await kh(['completion', 'tcsh'])).code).toBe(2);
    });

    it('an unknown command with --help is an error, not the root help', async () => {
      const r = await kh(['nope', '--help']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("unknown command 'nope'");
      expect(r.stdout).toBe('');
      expect(existsSync(path.join(dir, 'nope'))).toBe(false);
    });
  });
}
