// End-to-end tests of `keyhaven audit …`, `keyhaven secrets access`, `keyhaven policies` and
// `keyhaven roles`: the built CLI against a real server, as an operator would use them.
import { writeFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cliFor, startTestServer, tempDir, type TestServer } from './support/harness.js';

vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let root: ReturnType<typeof cliFor>;
let files: string;

beforeAll(async () => {
  assertBuilt();
  server = await startTestServer();
  root = cliFor(server, server.rootToken);
  files = tempDir();
  expect((await root(['secrets', 'set', 'apps/billing/key', 'audit-cli-value-1'])).code).toBe(0);
  expect((await root(['secrets', 'get', 'apps/billing/key'])).code).toBe(0);
  expect((await cliFor(server, 'khv_wrong_wrong')(['secrets', 'get', 'apps/billing/key'])).code).toBe(1);
});
afterAll(async () => {
  await server?.close();
  if (files) rmSync(files, { recursive: true, force: true });
});

describe('audit', () => {
  it('shows the log with filters, as a table and as JSON', async () => {
    const table = await root(['audit', 'log', '--since', '1h', '--action', 'secret.*']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/SEQ\s+TIME\s+ACTOR\s+ACTION/);
    expect(table.stdout).toContain('secret.read');
    const json = JSON.parse((await root(['audit', 'log', '--action', 'secret.read', '--format', 'json'])).stdout);
    expect(json.items.every((e: { action: string }) => e.action === 'secret.read')).toBe(true);
    expect(json.items[0]).toMatchObject({ resource: 'apps/billing/key', outcome: 'success', version: 1 });
    const denied = JSON.parse((await root(['audit', 'log', '--all', '--outcome', 'denied', '--format', 'json'])).stdout);
    expect(denied.items.some((e: { error_code: string }) => e.error_code === 'UNAUTHENTICATED')).toBe(true);
    expect((await root(['audit', 'log', '--since', 'yesterday-ish'])).code).toBe(2);
  });

  it('answers who accessed a secret, under audit and under secrets', async () => {
    for (const args of [
      ['audit', 'access', 'apps/billing/key'],
      ['secrets', 'access', 'apps/billing/key'],
    ]) {
      const r = await root([...args, '--format', 'json']);
      expect(r.code).toBe(0);
      const items = JSON.parse(r.stdout).items;
      expect(items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['secret.read', 'secret.write']));
      expect(items.every((e: { resource: string }) => e.resource === 'apps/billing/key')).toBe(true);
    }
  });

  it('exports CSV to a file and verifies the chain', async () => {
    const out = path.join(files, 'audit.csv');
    expect((await root(['audit', 'export', '--as', 'csv', '-o', out])).code).toBe(0);
    const csv = readFileSync(out, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^seq,time,tenant,/);
    expect(csv).not.toContain('audit-cli-value-1');
    const v = await root(['audit', 'verify']);
    expect(v).toMatchObject({ code: 0 });
    expect(v.stdout).toMatch(/^OK: \d+ entries verified/);
    expect((await root(['audit', 'anomalies'])).code).toBe(0);
  });
});

describe('policies and roles', () => {
  it('defines a policy and a role, grants it, and the server enforces it', async () => {
    const rules = path.join(files, 'billing.json');
    writeFileSync(rules, JSON.stringify([{ effect: 'allow', actions: ['read', 'list'], paths: ['apps/billing/*'] }]));
    expect((await root(['policies', 'put', 'billing-read', '--file', rules, '--description', 'read billing'])).code).toBe(0);
    expect((await root(['policies', 'get', 'billing-read'])).stdout).toContain('apps/billing/*');
    expect((await root(['roles', 'put', 'billing-reader', '--policy', 'billing-read'])).code).toBe(0);
    expect((await root(['roles', 'list'])).stdout).toMatch(/billing-reader\s+(\S+\s+)?billing-read/);
    const tok = JSON.parse(
      (await root(['tokens', 'create', '--name', 'billing-app', '--role', 'billing-reader', '--format', 'json'])).stdout,
    ).token;
    const app = cliFor(server, tok);
    expect((await app(['secrets', 'get', 'apps/billing/key'])).stdout).toBe('audit-cli-value-1\n');
    expect((await root(['secrets', 'set', 'apps/other/key', 'x'])).code).toBe(0);
    const denied = await app(['secrets', 'get', 'apps/other/key']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('FORBIDDEN');
    expect((await root(['policies', 'delete', 'billing-read'])).stderr).toContain('POLICY_IN_USE');
    writeFileSync(rules, 'not json');
    expect((await root(['policies', 'put', 'x', '--file', rules])).code).toBe(2);
  });
});
