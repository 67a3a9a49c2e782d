// Bulk (emergency) rotation by category through the built binary: selectors combine, only secrets
// registered for rotation are taken unless --include-unregistered says so, a dry run lists exactly
// what would change and what was left out, and an imported value is never overwritten by default.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuiltCli, keyhaven, scratchDir, startDevServer, type DevServer } from './support/surface.js';

vi.setConfig({ testTimeout: 120_000 });

let server: DevServer;
let dir: string;
const kh = (args: string[], input?: string) => keyhaven(args, { cwd: dir, input, env: server.env });
const value = async (name: string) => (await kh(['secrets', 'get', name])).stdout;

beforeAll(async () => {
  assertBuiltCli();
  server = await startDevServer();
  dir = scratchDir();
  // An imported connection string (never registered), two registered payment secrets, one registered database password elsewhere.
  for (const args of [
    ['secrets', 'set', 'payments/DATABASE_URL', 'postgres://app:imported@db/pay', '--type', 'generic', '--tag', 'payments'],
    ['secrets', 'set', 'payments/stripe-key', 'sk_live_original', '--type', 'api_key', '--tag', 'payments', '--criticality', 'critical'],
    ['secrets', 'set', 'payments/webhook-secret', 'whsec_original', '--type', 'api_key', '--tag', 'payments'],
    ['secrets', 'set', 'search/db-password', 'pw-original', '--type', 'password', '--criticality', 'critical'],
  ])
    expect(await kh(args)).toMatchObject({ code: 0 });
  for (const [name, type] of [
    ['payments/stripe-key', 'api_key'],
    ['payments/webhook-secret', 'api_key'],
    ['search/db-password', 'password'],
  ]) {
    expect(await kh(['rotation', 'register', name, '--type', type])).toMatchObject({ code: 0 });
  }
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('keyhaven rotate --emergency with a selector (built binary)', () => {
  it('a dry run takes registered secrets only and says how many it left out', async () => {
    const r = await kh(['rotate', '--emergency', '--tag', 'payments', '--dry-run', '--format', 'json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ dry_run: true, count: 2, unregistered_left_out: 1 });
    expect(plan.secrets.sort()).toEqual(['payments/stripe-key', 'payments/webhook-secret']);
    const text = await kh(['rotate', '--emergency', '--tag', 'payments', '--dry-run']);
    expect(text.stdout).toMatch(/2 secret\(s\) would be emergency-rotated/);
    expect(text.stdout).toMatch(/1 matching secret\(s\) not registered for rotation were left out; --include-unregistered/);
  });

  it('criteria combine: type and criticality together select across prefixes', async () => {
    const plan = JSON.parse(
      (await kh(['rotate', '--emergency', '--criticality', 'critical', '--type', 'api_key', '--dry-run', '--format', 'json'])).stdout,
    );
    expect(plan.secrets).toEqual(['payments/stripe-key']);
    const byPrefix = JSON.parse((await kh(['rotate', '--emergency', '--prefix', 'search/', '--dry-run', '--format', 'json'])).stdout);
    expect(byPrefix.secrets).toEqual(['search/db-password']);
  });

  it('rotates the registered secrets of a tag and leaves the imported value untouched', async () => {
    const r = await kh(['rotate', '--emergency', '--tag', 'payments', '--yes', '--reason', 'leak drill', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ count: 2, succeeded: 2, failed: 0 });
    expect(await value('payments/stripe-key')).not.toBe('sk_live_original\n');
    expect(await value('payments/webhook-secret')).not.toBe('whsec_original\n');
    expect(await value('payments/DATABASE_URL')).toBe('postgres://app:imported@db/pay\n');
    expect(await value('search/db-password')).toBe('pw-original\n');
  });

  it('--include-unregistered is the explicit way to replace an unregistered value, and the dry run says so', async () => {
    const dry = await kh(['rotate', '--emergency', '--prefix', 'payments/DATABASE', '--include-unregistered', '--dry-run']);
    expect(dry.stdout).toMatch(/payments\/DATABASE_URL {2}\(not registered: a generated value replaces it\)/);
    const r = await kh(['rotate', '--emergency', '--prefix', 'payments/DATABASE', '--include-unregistered', '--yes', '--format', 'json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ count: 1, succeeded: 1 });
    expect(await value('payments/DATABASE_URL')).not.toBe('postgres://app:imported@db/pay\n');
  });

  it('nothing matching rotates nothing and exits 0; a bad criticality and a stray flag are usage errors', async () => {
    const none = await kh(['rotate', '--emergency', '--tag', 'no-such-tag', '--yes']);
    expect(none).toMatchObject({ code: 0 });
    expect(none.stdout).toMatch(/Nothing matches; nothing was rotated/);
    const bad = await kh(['rotate', '--emergency', '--criticality', 'extreme', '--dry-run']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/criticality/);
    expect((await kh(['rotate', 'payments/stripe-key', '--include-unregistered'])).code).toBe(2);
  });
});
