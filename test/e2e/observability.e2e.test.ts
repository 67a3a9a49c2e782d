// Observability through the built binary: drive reads, writes, a rotation, a failed rotation and
// denied requests against `keyhaven server`, scrape /metrics over HTTP, check it with promtool (no
// warning), and check that the domain metrics moved; read the server's own stdout and find the
// rotation's step lines with the secret's keyed hash and never its name (unless logSecretNames is
// clear). promtool comes from Debian's prometheus package (.ci/run installs it).
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuiltCli, CLI_MAIN, cleanEnv, scratchDir, startDevServer, type DevServer } from './support/surface.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool) {
  if (process.env.CI === 'true') throw new Error("promtool is missing: CI must install Debian's prometheus package (.ci/run does)");
  console.warn('observability e2e: SKIPPED, promtool is not installed (apt-get install -y prometheus)');
}

/** One sample of the exposition text, by its exact series; undefined when absent. */
export const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

/** The sum of every sample of a metric whose labels include all of `labels`. */
export const sumOf = (text: string, metric: string, labels: Record<string, string> = {}) => {
  let total = 0;
  for (const l of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(l);
    if (!m || m[1] !== metric) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
  }
  return total;
};

/** Log lines are written asynchronously: waits (up to 10 s) until the server's output has a line matching. */
const outputLine = async (srv: DevServer, match: (line: string) => boolean) => {
  for (let i = 0; i < 200; i++) {
    const line = srv.output().split('\n').find(match);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no such line in the server output:\n${srv.output().slice(-2000)}`);
};

const closedPort = async () => {
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
};

describe.skipIf(!hasPromtool)('metrics and logs of a running server (built binary, promtool)', () => {
  let srv: DevServer;
  let dir: string;
  const api = (path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) =>
    fetch(`${srv.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? srv.rootToken}` }),
        'x-tenant-id': 'default',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
  const scrape = async () => {
    const r = await fetch(`${srv.url}/metrics`);
    expect(r.status).toBe(200);
    return r.text();
  };

  beforeAll(async () => {
    assertBuiltCli();
    dir = scratchDir('keyhaven-obs-');
    // Due secrets count as overdue at once here (the default waits an hour).
    writeFileSync(path.join(dir, 'keyhaven.yaml'), 'rotation:\n  overdueAfterMinutes: 0\n');
    srv = await startDevServer({
      env: {
        KEYHAVEN_LOG_LEVEL: 'info',
        KEYHAVEN_CONFIG: path.join(dir, 'keyhaven.yaml'),
        // The dotenv provider (a real store on the local disk) for provider and sync metrics.
        KEYHAVEN_PROVIDERS_DOTENV_ENABLED: 'true',
        KEYHAVEN_PROVIDERS_DOTENV_DIRECTORIES: dir,
      },
    });
  });
  afterAll(async () => {
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('promtool finds no problem and the domain metrics move as the server is used', async () => {
    const before = await scrape();
    const ok = spawnSync('promtool', ['check', 'metrics'], { input: before, encoding: 'utf8' });
    expect({ code: ok.status, out: ok.stdout + ok.stderr }).toEqual({ code: 0, out: '' });

    // Writes and reads (the second read of the same version comes from the read cache).
    expect(
      (await api('/v1/secrets/obs/plain-one', { method: 'PUT', body: { value: 'v1-not-logged', type: 'api_key' } })).status,
    ).toBeLessThan(300);
    expect((await api('/v1/secrets/obs/plain-one')).status).toBe(200);
    expect((await api('/v1/secrets/obs/plain-one')).status).toBe(200);
    expect((await api('/v1/secrets/obs/missing-one')).status).toBe(404);

    // A rotation that succeeds (generated rotator) and one that fails (webhook target not listening).
    const rotated = 'obs/rotated-secret-name';
    expect(
      (await api('/v1/rotation/register', { method: 'POST', body: { secret_name: rotated, secret_type: 'api_key', criticality: 'high' } }))
        .status,
    ).toBe(201);
    const ok1 = await api('/v1/rotation/rotate', { method: 'POST', body: { secret_name: rotated } });
    expect(ok1.status).toBe(200);
    expect(((await ok1.json()) as { status: string }).status).toBe('success');

    const failing = 'obs/failing-webhook-secret';
    const port = await closedPort();
    expect(
      (
        await api('/v1/secrets/obs/webhook-admin', {
          method: 'PUT',
          body: { value: { signing_secret: 'a-signing-secret-of-32-characters' } },
        })
      ).status,
    ).toBeLessThan(300);
    const reg = await api('/v1/rotation/register', {
      method: 'POST',
      body: {
        secret_name: failing,
        rotator: 'webhook',
        admin_credential_secret: 'obs/webhook-admin',
        rotator_config: { set_url: `http://127.0.0.1:${port}/set`, test_url: `http://127.0.0.1:${port}/test` },
      },
    });
    expect(reg.status, await reg.clone().text()).toBe(201);
    const badReply = await api('/v1/rotation/rotate', { method: 'POST', body: { secret_name: failing } });
    const bad = (await badReply.json()) as { error: { code: string; details: { status: string } } };
    expect(badReply.status).toBe(503);
    expect(bad.error).toMatchObject({ code: 'ROTATION_TARGET_UNREACHABLE', details: { status: 'rolled_back' } });

    // A provider: a connection test, a sync that succeeds, and one whose file cannot be written.
    const configure = await api('/v1/providers', {
      method: 'POST',
      body: { kind: 'dotenv', name: 'local-env', config: { path: path.join(dir, 'app.env') } },
    });
    expect(configure.status, await configure.clone().text()).toBe(201);
    expect(((await (await api('/v1/providers/local-env/test', { method: 'POST' })).json()) as { ok: boolean }).ok).toBe(true);
    mkdirSync(path.join(dir, 'a-directory.env'));
    expect(
      (
        await api('/v1/providers', {
          method: 'POST',
          body: { kind: 'dotenv', name: 'broken-env', config: { path: path.join(dir, 'a-directory.env') } },
        })
      ).status,
    ).toBe(201);
    expect(
      (await api('/v1/sync/destinations', { method: 'POST', body: { secret_name: 'OBS_BROKEN', provider_id: 'broken-env' } })).status,
    ).toBe(201);
    expect((await api('/v1/secrets/OBS_BROKEN', { method: 'PUT', body: { value: 'never-synced' } })).status).toBeLessThan(300);
    expect(
      (await api('/v1/sync/destinations', { method: 'POST', body: { secret_name: 'OBS_SYNCED', provider_id: 'local-env' } })).status,
    ).toBe(201);
    expect((await api('/v1/secrets/OBS_SYNCED', { method: 'PUT', body: { value: 'synced-value' } })).status).toBeLessThan(300);
    expect((await api('/v1/sync/run', { method: 'POST', body: {} })).status).toBe(200);
    const syncItems = (
      (await (await api('/v1/sync/status')).json()) as { items: Array<{ secret_name: string; status: string; last_error: string | null }> }
    ).items;
    expect(syncItems).toContainEqual(expect.objectContaining({ secret_name: 'OBS_SYNCED', status: 'ok' }));
    const brokenItem = syncItems.find((i) => i.secret_name === 'OBS_BROKEN');
    expect(brokenItem?.status).toBe('error');
    const brokenCode = brokenItem!.last_error!.split(':')[0]!.toLowerCase();

    // Due (and overdue, see the config above) and expired secrets, counted per criticality.
    const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
    expect(
      (await api('/v1/secrets/obs/expiring-soon', { method: 'PUT', body: { value: 'x', criticality: 'medium', expires_at: inDays(1) } }))
        .status,
    ).toBeLessThan(300);
    expect(
      (
        await api('/v1/rotation/register', {
          method: 'POST',
          body: { secret_name: 'obs/expiring-soon', criticality: 'medium', rotate_before_expiry_days: 7 },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api('/v1/secrets/obs/expired-already', {
          method: 'PUT',
          body: { value: 'x', criticality: 'critical', expires_at: inDays(-1) },
        })
      ).status,
    ).toBeLessThan(300);
    const stateCachedAt = Date.now();

    // Denied: no token, a wrong token, a non-root token on a system route.
    expect((await api('/v1/secrets', { token: null })).status).toBe(401);
    expect((await api('/v1/secrets', { token: 'kh_not-a-real-token' })).status).toBe(401);
    const reader = (await (await api('/v1/tokens', { method: 'POST', body: { name: 'obs-reader', role: 'read' } })).json()) as {
      token: string;
    };
    expect((await api('/admin/secrets/health', { token: reader.token })).status).toBe(403);

    const after = await scrape();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: after, encoding: 'utf8' });
    expect({ code: check.status, out: check.stdout + check.stderr }).toEqual({ code: 0, out: '' });

    // Rotations by outcome, method, rotator and secret type; their steps and durations.
    expect(sample(after, 'keyhaven_rotations_total{outcome="success",method="manual",rotator="generated",secret_type="api_key"}')).toBe(1);
    expect(sample(after, 'keyhaven_rotations_total{outcome="rolled_back",method="manual",rotator="webhook",secret_type="generic"}')).toBe(
      1,
    );
    expect(sumOf(after, 'keyhaven_rotations_total', { rotator: 'webhook' })).toBe(1);
    expect(sumOf(after, 'keyhaven_rotation_step_duration_seconds_count', { rotator: 'generated', step: 'create' })).toBe(1);
    expect(sumOf(after, 'keyhaven_rotation_step_duration_seconds_count', { rotator: 'webhook', step: 'create' })).toBe(1);
    expect(sumOf(after, 'keyhaven_rotation_duration_seconds_count', { outcome: 'success' })).toBe(1);
    expect(sample(after, 'keyhaven_rotations_in_flight')).toBe(0);
    expect(sample(after, 'keyhaven_rotation_runs_in_progress')).toBe(0);
    expect(sample(after, 'keyhaven_rotation_runs_stuck')).toBe(0);
    // Reads and writes by type and outcome; the read cache.
    expect(sample(after, 'keyhaven_secret_writes_total{secret_type="api_key",outcome="success"}')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'keyhaven_secret_reads_total{secret_type="api_key",outcome="success"}')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'keyhaven_secret_reads_total{secret_type="unknown",outcome="secret_not_found"}')).toBe(1);
    expect(sample(after, 'keyhaven_read_cache_hits_total')! - sample(before, 'keyhaven_read_cache_hits_total')!).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'keyhaven_read_cache_misses_total')).toBeGreaterThanOrEqual(2);
    // Provider calls and sync operations by provider kind.
    expect(sample(after, 'keyhaven_provider_calls_total{provider="dotenv",operation="test_connection",outcome="success"}')).toBe(1);
    expect(
      sumOf(after, 'keyhaven_provider_calls_total', { provider: 'dotenv', operation: 'write', outcome: 'success' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'keyhaven_sync_operations_total{provider="dotenv",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(sumOf(after, 'keyhaven_provider_calls_total', { provider: 'dotenv', outcome: 'error' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(after, 'keyhaven_provider_errors_total', { provider: 'dotenv', code: brokenCode })).toBeGreaterThanOrEqual(1);
    expect(sumOf(after, 'keyhaven_sync_operations_total', { provider: 'dotenv', outcome: brokenCode })).toBeGreaterThanOrEqual(1);
    // Denied requests by status and reason.
    expect(sample(after, 'keyhaven_http_denied_requests_total{status="401",reason="unauthenticated"}')).toBe(2);
    expect(sample(after, 'keyhaven_http_denied_requests_total{status="403",reason="forbidden"}')).toBe(1);
    // Audit: the database sink stores, the chain head advanced.
    expect(sample(after, 'keyhaven_audit_sink_up{sink="database"}')).toBe(1);
    expect(sample(after, 'keyhaven_audit_accepting')).toBe(1);
    expect(sample(after, 'keyhaven_audit_chain_head_sequence')).toBeGreaterThan(sample(before, 'keyhaven_audit_chain_head_sequence')!);
    // Gauges per criticality are always there (alert rules need them), and no secret name is a label.
    for (const c of ['low', 'medium', 'high', 'critical'])
      expect(sample(after, `keyhaven_secrets_rotation_due{criticality="${c}"}`)).toBeTypeOf('number');
    // The database-derived gauges are read at most every 10 s: a scrape after that sees the new state.
    await new Promise((r) => setTimeout(r, Math.max(0, stateCachedAt + 10_500 - Date.now())));
    const later = await scrape();
    expect(sample(later, 'keyhaven_secrets_rotation_due{criticality="medium"}')).toBe(1);
    expect(sample(later, 'keyhaven_secrets_rotation_overdue{criticality="medium"}')).toBe(1);
    expect(sample(later, 'keyhaven_secrets_rotation_due{criticality="high"}')).toBe(0);
    expect(sample(later, 'keyhaven_secrets_expired{criticality="critical"}')).toBe(1);
    expect(sample(later, 'keyhaven_secrets_expired{criticality="medium"}')).toBe(0);
    expect(after).not.toContain('obs/');
    expect(after).not.toContain('rotated-secret-name');

    // Logs: the rotation's steps carry the tenant, the keyed hash of the name, outcome and duration.
    const hashes = (await (
      await api('/admin/log-name-hash', { method: 'POST', body: { tenant: 'default', names: [rotated, failing] } })
    ).json()) as { mode: string; hashes: Array<{ hash: string; logged_as: string }> };
    expect(hashes.mode).toBe('hashed');
    const [rotatedHash, failingHash] = hashes.hashes.map((h) => h.hash);
    expect(rotatedHash).toMatch(/^hmac:[0-9a-f]{16}$/);
    await outputLine(srv, (l) => l.includes(failingHash!) && l.includes('"conclude"'));
    const lines = srv
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const steps = lines.filter((l) => l.secret === rotatedHash);
    expect(steps.map((l) => l.step)).toEqual(['create', 'conclude']);
    expect(steps.every((l) => l.tenant === 'default' && typeof l.duration_ms === 'number')).toBe(true);
    expect(steps.at(-1)).toMatchObject({ outcome: 'success', msg: 'rotation finished' });
    const failed = lines.filter((l) => l.secret === failingHash);
    expect(failed.at(-1)).toMatchObject({ step: 'conclude', rotator: 'webhook', error_code: 'ROTATION_TARGET_UNREACHABLE' });
    expect(srv.output()).not.toContain('rotated-secret-name');
    expect(srv.output()).not.toContain('failing-webhook-secret');
  });
});

describe('logSecretNames: clear (built binary)', () => {
  it('logs the name itself when the operator asks for it', async () => {
    const srv = await startDevServer({ env: { KEYHAVEN_LOG_LEVEL: 'info', KEYHAVEN_LOG_SECRET_NAMES: 'clear' } });
    try {
      const h = { authorization: `Bearer ${srv.rootToken}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
      const r = await fetch(`${srv.url}/v1/rotation/register`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ secret_name: 'clear/logged-name' }),
      });
      expect(r.status).toBe(201);
      expect(
        (
          await fetch(`${srv.url}/v1/rotation/rotate`, {
            method: 'POST',
            headers: h,
            body: JSON.stringify({ secret_name: 'clear/logged-name' }),
          })
        ).status,
      ).toBe(200);
      const line = await outputLine(srv, (l) => l.includes('"rotation finished"'));
      expect(JSON.parse(line)).toMatchObject({ secret: 'clear/logged-name', outcome: 'success' });
    } finally {
      await srv.stop();
    }
  });
});

/** `keyhaven server` on a data directory: asks it for the log hash of a name, then stops it. The
 *  first start prints the root token; later starts are given it. */
const logHashOn = (dataDir: string, name: string, token?: string) =>
  new Promise<{ token: string; hash: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'server', '--listen', '127.0.0.1:0'], {
      env: cleanEnv({ KEYHAVEN_DATA_DIR: dataDir, KEYHAVEN_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let asked = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not answer in 30 s:\n${out}`));
    }, 30_000);
    const onData = async (d: Buffer) => {
      out += d.toString('utf8');
      const url = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const root = token ?? /KEYHAVEN_TOKEN=(\S+)/.exec(out)?.[1];
      if (asked || !url || !root) return;
      asked = true;
      try {
        const r = await fetch(`${url}/admin/log-name-hash`, {
          method: 'POST',
          headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' },
          body: JSON.stringify({ names: [name] }),
        });
        const body = (await r.json()) as { hashes: Array<{ hash: string }> };
        child.once('exit', () => {
          clearTimeout(timer);
          resolve({ token: root, hash: body.hashes[0]!.hash });
        });
        child.kill('SIGTERM');
      } catch (e) {
        child.kill('SIGKILL');
        reject(e);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });

describe('the keyed hash of a name in logs (built binary)', () => {
  it('is the same after a restart of the same store and differs on another store', async () => {
    assertBuiltCli();
    const root = scratchDir('keyhaven-loghash-');
    try {
      const first = await logHashOn(path.join(root, 'a'), 'app/db-password');
      const again = await logHashOn(path.join(root, 'a'), 'app/db-password', first.token);
      const other = await logHashOn(path.join(root, 'b'), 'app/db-password');
      expect(first.hash).toMatch(/^hmac:[0-9a-f]{16}$/);
      expect(again.hash).toBe(first.hash);
      expect(other.hash).not.toBe(first.hash);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('request lines at debug level (built binary)', () => {
  it('show the route template and the hashed name, never the URL with the name', async () => {
    const srv = await startDevServer({ env: { KEYHAVEN_LOG_LEVEL: 'debug' } });
    try {
      const h = { authorization: `Bearer ${srv.rootToken}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
      expect(
        (await fetch(`${srv.url}/v1/secrets/apps/debug-logged-name`, { method: 'PUT', headers: h, body: JSON.stringify({ value: 'x' }) }))
          .status,
      ).toBeLessThan(300);
      expect((await fetch(`${srv.url}/v1/secrets/apps/debug-logged-name`, { headers: h })).status).toBe(200);
      const hashes = (await (
        await fetch(`${srv.url}/admin/log-name-hash`, {
          method: 'POST',
          headers: h,
          body: JSON.stringify({ names: ['apps/debug-logged-name'] }),
        })
      ).json()) as { hashes: Array<{ hash: string }> };
      await outputLine(srv, (l) => l.includes('"incoming request"') && l.includes('"method":"GET"') && l.includes(hashes.hashes[0]!.hash));
      const incoming = srv
        .output()
        .split('\n')
        .filter((l) => l.includes('"incoming request"'))
        .map((l) => JSON.parse(l) as { req: Record<string, unknown> });
      const about = incoming.filter((l) => l.req.secret === hashes.hashes[0]!.hash);
      expect(about.length).toBe(2);
      expect(about[0]!.req).toMatchObject({ method: 'PUT', route: '/v1/secrets/*' });
      expect(srv.output()).not.toContain('debug-logged-name');
    } finally {
      await srv.stop();
    }
  });
});
