// End-to-end tests of `keyhaven secrets …`: the built CLI against a real in-process server, checking
// what users and scripts rely on: bare values, formats that parse back, tables, exit codes.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cliFor, parseDotenv, startTestServer, tempDir, type TestServer } from './support/harness.js';

// Each test runs the CLI as several child processes; leave room for a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let cli: ReturnType<typeof cliFor>;
let files: string;

beforeAll(async () => {
  assertBuilt();
  server = await startTestServer();
  cli = cliFor(server, server.rootToken);
  files = tempDir();
});
afterAll(async () => {
  await server?.close();
  if (files) rmSync(files, { recursive: true, force: true });
});

describe('secrets set / get', () => {
  it('stores a string and prints it bare, so $(keyhaven secrets get x) works', async () => {
    const w = await cli(['secrets', 'set', 'app/plain', 'hunter2']);
    expect(w).toMatchObject({ code: 0, stdout: 'Wrote app/plain version 1 (current)\n' });
    const r = await cli(['secrets', 'get', 'app/plain']);
    expect(r).toMatchObject({ code: 0, stdout: 'hunter2\n', stderr: '' });
    expect((await cli(['secrets', 'get', 'app/plain', '--raw'])).stdout).toBe('hunter2');
  });

  it('builds JSON objects from --field and from --json, and reads one field with #field', async () => {
    expect((await cli(['secrets', 'set', 'db/main', '--field', 'user=app', '--field', 'password=p=w'])).code).toBe(0);
    const whole = await cli(['secrets', 'get', 'db/main']);
    expect(JSON.parse(whole.stdout)).toEqual({ user: 'app', password: 'p=w' });
    expect(whole.stdout).toContain('\n  "user"'); // pretty-printed for people
    expect((await cli(['secrets', 'get', 'db/main#password'])).stdout).toBe('p=w\n');
    expect((await cli(['secrets', 'set', 'app/conf', '{"port":5432,"tls":true}', '--json'])).code).toBe(0);
    expect((await cli(['secrets', 'get', 'app/conf#port'])).stdout).toBe('5432\n');
    const missing = await cli(['secrets', 'get', 'app/conf#nope']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^Error \[FIELD_NOT_FOUND\]: .*\(request id \S+\)\n$/);
  });

  it('reads the value from stdin (--stdin or "-"), dropping one trailing newline, and from --file exactly', async () => {
    expect((await cli(['secrets', 'set', 'app/stdin', '--stdin'], { input: 'from-stdin\n' })).code).toBe(0);
    expect((await cli(['secrets', 'get', 'app/stdin', '--raw'])).stdout).toBe('from-stdin');
    expect((await cli(['secrets', 'set', 'app/stdin', '-'], { input: 'dash\n' })).stdout).toBe('Wrote app/stdin version 2 (current)\n');
    expect((await cli(['secrets', 'get', 'app/stdin'])).stdout).toBe('dash\n');
    const file = path.join(files, 'cert.pem');
    writeFileSync(file, '-----BEGIN X-----\nabc\n-----END X-----\n');
    expect((await cli(['secrets', 'set', 'tls/cert', '--file', file])).code).toBe(0);
    expect((await cli(['secrets', 'get', 'tls/cert', '--raw'])).stdout).toBe('-----BEGIN X-----\nabc\n-----END X-----\n');
  });

  it('refuses a missing, doubled or malformed value with exit 2 and never echoes the value', async () => {
    const none = await cli(['secrets', 'set', 'app/none']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('No value given');
    const twice = await cli(['secrets', 'set', 'app/none', 'v', '--stdin'], { input: 'x' });
    expect(twice.code).toBe(2);
    const bad = await cli(['secrets', 'set', 'app/none', '{"pw": topsecret-value', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not valid JSON');
    expect(bad.stderr).not.toContain('topsecret');
    const noField = await cli(['secrets', 'set', 'app/none', '--field', 'no-equals-sign-secret']);
    expect(noField.code).toBe(2);
    expect(noField.stderr).not.toContain('no-equals-sign-secret');
    expect((await cli(['secrets', 'get', 'app/none'])).code).toBe(4); // nothing was written
  });

  it('honours --cas and reports CAS_MISMATCH with exit 1', async () => {
    expect((await cli(['secrets', 'set', 'app/cas', 'one', '--cas', '0'])).code).toBe(0);
    const clash = await cli(['secrets', 'set', 'app/cas', 'two', '--cas', '0']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/^Error \[CAS_MISMATCH\]/);
    expect(clash.stderr).not.toContain('two');
    expect((await cli(['secrets', 'set', 'app/cas', 'two', '--cas', '1', '--format', 'json'])).stdout).toMatch(/"version": 2/);
  });
});

describe('versions and labels', () => {
  it('reads by --version and --label, and writes pending versions with --pending', async () => {
    await cli(['secrets', 'set', 'rot/key', 'v1']);
    await cli(['secrets', 'set', 'rot/key', 'v2']);
    const pending = await cli(['secrets', 'set', 'rot/key', 'v3', '--pending']);
    expect(pending.stdout).toBe('Wrote rot/key version 3 (pending)\n');
    expect((await cli(['secrets', 'get', 'rot/key'])).stdout).toBe('v2\n');
    expect((await cli(['secrets', 'get', 'rot/key', '--label', 'pending'])).stdout).toBe('v3\n');
    expect((await cli(['secrets', 'get', 'rot/key', '--label', 'previous'])).stdout).toBe('v1\n');
    expect((await cli(['secrets', 'get', 'rot/key', '--version', '1'])).stdout).toBe('v1\n');
    const json = JSON.parse((await cli(['secrets', 'get', 'rot/key', '--label', 'pending', '--format', 'json'])).stdout);
    expect(json).toMatchObject({ name: 'rot/key', version: 3, labels: ['pending'], value: 'v3' });
    expect((await cli(['secrets', 'get', 'rot/key', '--version', '9'])).code).toBe(4);
    expect((await cli(['secrets', 'get', 'rot/key', '--version', 'x'])).code).toBe(2);
    expect((await cli(['secrets', 'get', 'rot/key', '--version', '1', '--label', 'current'])).code).toBe(2);
    expect((await cli(['secrets', 'get', 'rot/key', '--label', 'newest'])).code).toBe(2);
  });

  it('shows the versions in history as an aligned table and in json', async () => {
    const h = await cli(['secrets', 'history', 'rot/key']);
    expect(h.code).toBe(0);
    const lines = h.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+STATE\s+LABELS\s+SIZE\s+CREATED\s+CREATED BY$/);
    expect(lines).toHaveLength(4);
    const col = lines[0].indexOf('LABELS');
    expect(
      lines
        .slice(1)
        .map((l) => l.slice(col).split(/\s+/)[0])
        .sort(),
    ).toEqual(['current', 'pending', 'previous']);
    const json = JSON.parse((await cli(['secrets', 'history', 'rot/key', '--format', 'json'])).stdout);
    expect(json.versions.map((v: { version: number }) => v.version).sort()).toEqual([1, 2, 3]);
    expect(h.stdout).not.toContain('v1');
  });
});

describe('list, describe and machine formats', () => {
  beforeAll(async () => {
    const meta = (env: string, svc: string, crit: string, ...tags: string[]) => [
      '--environment',
      env,
      '--service',
      svc,
      '--criticality',
      crit,
      '--type',
      'api_key',
      ...tags.flatMap((t) => ['--tag', t]),
    ];
    await cli(['secrets', 'set', 'shop/prod/stripe', 'sk1', ...meta('prod', 'payments', 'critical', 'pci', 'payments')]);
    await cli(['secrets', 'set', 'shop/staging/stripe', 'sk2', ...meta('staging', 'payments', 'low', 'payments')]);
    await cli(['secrets', 'set', 'shop/prod/mail', 'mk', ...meta('prod', 'mailer', 'medium')]);
  });

  it('filters by prefix, environment, service, tag, type and criticality', async () => {
    const names = async (...args: string[]) =>
      (JSON.parse((await cli(['secrets', 'list', '--format', 'json', ...args])).stdout) as Array<{ name: string }>)
        .map((s) => s.name)
        .sort();
    expect(await names('--prefix', 'shop/')).toEqual(['shop/prod/mail', 'shop/prod/stripe', 'shop/staging/stripe']);
    expect(await names('--prefix', 'shop/', '--environment', 'prod')).toEqual(['shop/prod/mail', 'shop/prod/stripe']);
    expect(await names('--service', 'payments', '--tag', 'pci')).toEqual(['shop/prod/stripe']);
    expect(await names('--tag', 'payments', '--criticality', 'low')).toEqual(['shop/staging/stripe']);
    expect(await names('--prefix', 'shop/', '--type', 'generic')).toEqual([]);
    expect(await names('--prefix', 'shop/', '--limit', '2')).toHaveLength(2);
  });

  it('prints an aligned table with the documented columns and no colour codes when piped', async () => {
    const r = await cli(['secrets', 'list', '--prefix', 'shop/']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\x1b[');
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header.split(/\s+/)).toEqual(['NAME', 'TYPE', 'VERSION', 'ENV', 'SERVICE', 'CRITICALITY', 'TAGS', 'UPDATED']);
    expect(rows).toHaveLength(3);
    for (const h of ['TYPE', 'ENV', 'SERVICE', 'TAGS']) {
      const at = header.indexOf(h);
      for (const row of rows) expect(row[at - 1]).toBe(' '); // every column starts at the header's position
    }
    const stripe = rows.find((l) => l.startsWith('shop/prod/stripe '))!;
    expect(stripe.split(/\s+/).slice(1, 7)).toEqual(['api_key', '1', 'prod', 'payments', 'critical', 'payments,pci']);
    expect(r.stdout).not.toContain('sk1');
  });

  it('describes a secret in a form that parses back from json and yaml', async () => {
    const human = await cli(['secrets', 'describe', 'shop/prod/stripe']);
    expect(human.stdout).toMatch(/Environment:\s+prod/);
    expect(human.stdout).not.toContain('sk1');
    const json = JSON.parse((await cli(['secrets', 'describe', 'shop/prod/stripe', '--format', 'json'])).stdout);
    const yaml = YAML.parse((await cli(['secrets', 'describe', 'shop/prod/stripe', '--format', 'yaml'])).stdout);
    expect(yaml).toEqual(json);
    expect(json).toMatchObject({
      name: 'shop/prod/stripe',
      environment: 'prod',
      tags: ['payments', 'pci'].sort(),
      criticality: 'critical',
    });
  });

  it('round-trips values through --format json, yaml and dotenv (also as sourced by sh)', async () => {
    const tricky = { password: 'p w"$HOME\\x `id`', 'api-key': 'plain', multi: 'line1\nline2', port: 5432 };
    await cli(['secrets', 'set', 'fmt/db', JSON.stringify(tricky), '--json']);
    const json = JSON.parse((await cli(['secrets', 'get', 'fmt/db', '--format', 'json'])).stdout);
    expect(json).toMatchObject({ name: 'fmt/db', version: 1, value: tricky });
    expect(YAML.parse((await cli(['secrets', 'get', 'fmt/db', '--format', 'yaml'])).stdout)).toEqual(json);
    const dotenv = (await cli(['secrets', 'get', 'fmt/db', '--format', 'dotenv'])).stdout;
    expect(parseDotenv(dotenv)).toEqual({ DB_PASSWORD: tricky.password, DB_API_KEY: 'plain', DB_MULTI: tricky.multi, DB_PORT: '5432' });
    const file = path.join(files, 'x.env');
    writeFileSync(file, dotenv);
    const sourced = execFileSync('sh', ['-c', '. "$0"; printf %s "$DB_PASSWORD"', file], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(sourced).toBe(tricky.password);
    await cli(['secrets', 'set', 'fmt/stripe-key', 'sk_live 1']);
    expect((await cli(['secrets', 'get', 'fmt/stripe-key', '--format', 'dotenv'])).stdout).toBe('STRIPE_KEY="sk_live 1"\n');
    expect((await cli(['secrets', 'get', 'fmt/db#api-key', '--format', 'dotenv'])).stdout).toBe('DB_API_KEY=plain\n');
    expect((await cli(['secrets', 'list', '--format', 'dotenv'])).code).toBe(2);
  });
});

describe('update, delete, restore, destroy', () => {
  it('updates metadata, merging --meta and clearing fields', async () => {
    await cli(['secrets', 'set', 'life/one', 'x', '--description', 'old', '--meta', 'a=1', '--meta', 'b=2', '--owner', 'alice']);
    const u = await cli([
      'secrets',
      'update',
      'life/one',
      '--meta',
      'c=3',
      '--unset-meta',
      'a',
      '--clear-description',
      '--criticality',
      'high',
      '--tag',
      't1',
      '--format',
      'json',
    ]);
    expect(u.code).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({
      description: null,
      metadata: { b: '2', c: '3' },
      criticality: 'high',
      tags: ['t1'],
      owner: 'alice',
    });
    expect((await cli(['secrets', 'update', 'life/one'])).code).toBe(2);
    expect((await cli(['secrets', 'update', 'life/one', '--owner', 'bob', '--clear-owner'])).code).toBe(2);
    expect((await cli(['secrets', 'update', 'life/missing', '--owner', 'bob'])).code).toBe(4);
    expect((await cli(['secrets', 'get', 'life/one'])).stdout).toBe('x\n');
  });

  it('deletes, restores, and destroys only with --yes when not on a terminal', async () => {
    expect((await cli(['secrets', 'delete', 'life/one'])).stdout).toContain('Deleted life/one');
    const gone = await cli(['secrets', 'get', 'life/one']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^Error \[SECRET_DELETED\]/);
    const listed = JSON.parse((await cli(['secrets', 'list', '--prefix', 'life/', '--include-deleted', '--format', 'json'])).stdout);
    expect(listed).toHaveLength(1);
    expect(JSON.parse((await cli(['secrets', 'list', '--prefix', 'life/', '--format', 'json'])).stdout)).toHaveLength(0);
    expect((await cli(['secrets', 'restore', 'life/one'])).code).toBe(0);
    expect((await cli(['secrets', 'get', 'life/one'])).stdout).toBe('x\n');

    await cli(['secrets', 'set', 'life/one', 'y']);
    await cli(['secrets', 'set', 'life/one', 'z']);
    const refused = await cli(['secrets', 'destroy', 'life/one', '--versions', '1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await cli(['secrets', 'get', 'life/one', '--version', '1'])).stdout).toBe('x\n');
    const d = await cli(['secrets', 'destroy', 'life/one', '--versions', '1', '--yes']);
    expect(d).toMatchObject({ code: 0, stdout: 'Destroyed life/one versions 1\n' });
    expect((await cli(['secrets', 'get', 'life/one', '--version', '1'])).stderr).toMatch(/VERSION_DESTROYED/);
    const labelled = await cli(['secrets', 'destroy', 'life/one', '--versions', '3', '--yes']);
    expect(labelled.code).toBe(1);
    expect(labelled.stderr).toMatch(/VERSION_LABELLED/);

    expect((await cli(['secrets', 'destroy', 'life/one', '--yes'])).stderr).toMatch(/SECRET_NOT_DELETED/);
    await cli(['secrets', 'delete', 'life/one']);
    expect((await cli(['secrets', 'destroy', 'life/one', '--yes'])).stdout).toBe('Destroyed life/one (all versions)\n');
    expect((await cli(['secrets', 'describe', 'life/one'])).code).toBe(4);
  });
});
