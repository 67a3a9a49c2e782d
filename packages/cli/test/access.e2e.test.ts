// End-to-end tests of `keyhaven tenants …` and `keyhaven tokens …` plus the exit codes shared by all
// commands: roles enforced by the server (FORBIDDEN), revocation, unreachable server, usage errors.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cliFor, runCli, startTestServer, type TestServer } from './support/harness.js';

// Each test runs the CLI as several child processes; leave room for a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let root: ReturnType<typeof cliFor>;

beforeAll(async () => {
  assertBuilt();
  server = await startTestServer();
  root = cliFor(server, server.rootToken);
});
afterAll(async () => server?.close());

describe('tenants', () => {
  it('creates, lists, gets and deletes tenants, and keeps their secrets apart', async () => {
    const c = await root(['tenants', 'create', 'team-a', '--name', 'Team A']);
    expect(c).toMatchObject({ code: 0, stdout: 'Created tenant team-a\n' });
    expect((await root(['tenants', 'create', 'team-a'])).stderr).toMatch(/^Error \[TENANT_EXISTS\]/);
    const list = JSON.parse((await root(['tenants', 'list', '--format', 'json'])).stdout) as Array<{ id: string }>;
    expect(list.map((t) => t.id).sort()).toEqual(['default', 'team-a']);
    const table = (await root(['tenants', 'list'])).stdout.split('\n');
    expect(table[0]).toMatch(/^ID\s+NAME\s+CREATED$/);
    expect(JSON.parse((await root(['tenants', 'get', 'team-a', '--format', 'json'])).stdout)).toMatchObject({
      id: 'team-a',
      name: 'Team A',
    });

    expect((await root(['secrets', 'set', 'only/in-a', 'a-value'], { env: { KEYHAVEN_TENANT: 'team-a' } })).code).toBe(0);
    expect((await root(['secrets', 'get', 'only/in-a', '--tenant', 'team-a'])).stdout).toBe('a-value\n');
    expect((await root(['secrets', 'get', 'only/in-a'])).code).toBe(4); // the default tenant does not see it

    expect((await root(['tenants', 'delete', 'team-a'])).stderr).toMatch(/TENANT_NOT_EMPTY/);
    await root(['--tenant', 'team-a', 'secrets', 'delete', 'only/in-a']);
    await root(['--tenant', 'team-a', 'secrets', 'destroy', 'only/in-a', '--yes']);
    expect((await root(['tenants', 'delete', 'team-a'])).stdout).toBe('Deleted tenant team-a\n');
    expect((await root(['tenants', 'get', 'team-a'])).code).toBe(4);
  });
});

describe('tokens', () => {
  it('creates a read token that can read but not write (FORBIDDEN, exit 1), then revokes it', async () => {
    await root(['secrets', 'set', 'shared/key', 'readable']);
    const created = await root(['tokens', 'create', '--name', 'ci', '--role', 'read', '--ttl', '1h', '--format', 'json']);
    expect(created.code).toBe(0);
    const tok = JSON.parse(created.stdout) as { id: string; token: string; role: string; expires_at: string };
    expect(tok).toMatchObject({ role: 'read', kind: 'service' });
    const ttl = Date.parse(tok.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(3500_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);

    const reader = cliFor(server, tok.token);
    expect((await reader(['secrets', 'get', 'shared/key'])).stdout).toBe('readable\n');
    const denied = await reader(['secrets', 'set', 'shared/key', 'changed-value']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^Error \[FORBIDDEN\]: .+ \(request id \S+\)\n$/);
    expect(denied.stderr).not.toContain(tok.token);
    expect(denied.stderr).not.toContain('changed-value');

    const self = JSON.parse((await reader(['tokens', 'lookup', '--format', 'json'])).stdout);
    expect(self).toMatchObject({ id: tok.id, grants: [{ tenant: 'default', role: 'read' }] });
    expect(self.token).toBeUndefined();
    expect((await reader(['tokens', 'self'])).stdout).toMatch(/Grants:\s+default:read/);

    const listed = await root(['tokens', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${tok.id}\\s+ci\\s+service\\s+read\\s`, 'm'));
    expect(listed.stdout).not.toContain(tok.token);
    expect(JSON.parse((await root(['tokens', 'get', tok.id, '--format', 'json'])).stdout)).toMatchObject({ id: tok.id, name: 'ci' });

    expect((await root(['tokens', 'revoke', tok.id])).stdout).toBe(`Revoked token ${tok.id} (ci)\n`);
    const revoked = await reader(['secrets', 'get', 'shared/key']);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/^Error \[TOKEN_REVOKED\]/);
    expect(revoked.stderr).not.toContain(tok.token);
    expect((await root(['tokens', 'get', 'tok_doesnotexist'])).code).toBe(4);
  });

  it('prints a new token once for people, and a write token may not mint an admin token', async () => {
    const human = await root(['tokens', 'create', '--name', 'dev', '--role', 'write', '--kind', 'personal']);
    expect(human.code).toBe(0);
    const token = human.stdout.trimEnd().split('\n').pop()!;
    expect(human.stdout).toMatch(/not shown again/);
    const writer = cliFor(server, token);
    expect((await writer(['secrets', 'set', 'w/x', 'ok'])).code).toBe(0);
    const escalate = await writer(['tokens', 'create', '--name', 'boss', '--role', 'admin']);
    expect(escalate.code).toBe(1);
    expect(escalate.stderr).toMatch(/^Error \[(ROLE_NOT_ALLOWED|FORBIDDEN)\]/);
  });

  it('rejects bad token flags as usage errors (exit 2)', async () => {
    // Roles can be custom, so an unknown role is the server's answer: ROLE_NOT_FOUND, exit 4.
    const unknownRole = await root(['tokens', 'create', '--name', 'x', '--role', 'owner']);
    expect(unknownRole.code).toBe(4);
    expect(unknownRole.stderr).toContain('ROLE_NOT_FOUND');
    expect((await root(['tokens', 'create', '--role', 'read'])).code).toBe(2);
    const ttl = await root(['tokens', 'create', '--name', 'x', '--role', 'read', '--ttl', 'soon']);
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toContain('--ttl');
  });
});

describe('exit codes', () => {
  it('exits 3 with the SDK message when the server is unreachable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await runCli(['secrets', 'get', 'x'], {
      env: { KEYHAVEN_ADDR: `http://127.0.0.1:${port}`, KEYHAVEN_TOKEN: 'khv_not_printed' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^Error \[SERVER_UNAVAILABLE\]: Keyhaven server at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    expect(r.stderr).not.toContain('khv_not_printed');
  });

  it('exits 1 with UNAUTHENTICATED for a wrong token, without printing it', async () => {
    const r = await cliFor(server, 'khv_wrong_token_value')(['secrets', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error \[UNAUTHENTICATED\]/);
    expect(r.stderr).not.toContain('khv_wrong_token_value');
  });

  it('exits 2 on usage errors and 0 on help, documenting the exit codes', async () => {
    expect((await root(['secrets', 'frobnicate'])).code).toBe(2);
    expect((await root(['secrets', 'list', '--no-such-flag'])).code).toBe(2);
    expect((await root(['secrets', 'get'])).code).toBe(2);
    expect((await root(['--format', 'xml', 'secrets', 'list'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*3\s+the server is unreachable[\s\S]*4\s+not found/);
    const sub = await runCli(['secrets', 'set', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('Examples:');
    expect((await runCli(['--version'])).stdout).toMatch(/^keyhaven \d+\.\d+\.\d+\n$/);
  });
});
