// The container image (Dockerfile) built and started with podman, as the operations guide says to on a
// machine without registry access: a local base image (debootstrap + this machine's Node), the app
// prepared from this checkout, `podman build --format docker`. The container runs with a read-only
// root file system, no capabilities and no-new-privileges; /health/ready answers, a write and a read
// work, it runs as uid 10001 under tini (PID 1), the image's HEALTHCHECK passes, SIGTERM stops it with
// exit 0, and a new container on the same volume serves the store again.
// Skipped, with the reason, where podman is not installed (apt-get install -y podman buildah runc debootstrap).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['podman', 'runc', 'debootstrap'].filter((c) => !has(c));
const skip = missing.length > 0 || process.getuid?.() !== 0;
if (skip)
  console.warn(
    `container image test skipped: ${missing.length ? `${missing.join(', ')} not installed (apt-get install -y podman buildah runc debootstrap)` : 'needs root (rootful podman)'}`,
  );

// This machine's cgroup setup (v1 + v2 "hybrid") is refused by crun and its rlimits cannot be raised:
// runc, cgroupfs and no default ulimits make podman work here; elsewhere these are harmless.
const conf = path.join(os.tmpdir(), `kh-containers-${process.pid}.conf`);
writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n');
const env = { ...process.env, CONTAINERS_CONF: conf };
const run = (cmd: string, args: string[], timeout = 600_000) => {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  return {
    code: r.status,
    out: r.stdout ?? '',
    err: (r.stderr ?? '')
      .split('\n')
      .filter((l) => !/level=error msg="Removing timer/.test(l))
      .join('\n'),
  };
};
/** The long steps (image builds) without blocking the test worker's event loop. */
const runAsync = (cmd: string, args: string[], timeout = 900_000) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const c = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      out = (out + d).slice(-200_000);
    });
    c.stderr.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-200_000);
    });
    const t = setTimeout(() => c.kill('SIGKILL'), timeout);
    c.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
const tag = `localhost/keyhaven:test-${process.pid}`;
const names: string[] = [];
const volume = `khtest-${randomBytes(4).toString('hex')}`;
const secrets = mkdtempSync(path.join(os.tmpdir(), 'kh-image-'));
afterAll(() => {
  if (skip) return;
  for (const n of names) run('podman', ['rm', '-f', n]);
  run('podman', ['volume', 'rm', '-f', volume]);
  run('podman', ['rmi', '-f', tag]);
  rmSync(secrets, { recursive: true, force: true });
  rmSync(conf, { force: true });
});

const port = 18_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const waitReady = async () => {
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${base}/health/ready`);
      if (r.status === 200) return (await r.json()) as Record<string, unknown>;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error('the container did not become ready');
    await new Promise((r) => setTimeout(r, 250));
  }
};
const start = (name: string, keyFile: string) => {
  names.push(name);
  const r = run('podman', [
    'run',
    '-d',
    '--name',
    name,
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '-v',
    `${volume}:/var/lib/keyhaven`,
    '-v',
    `${keyFile}:/run/secrets/master_key:ro`,
    '-e',
    'KEYHAVEN_MASTER_KEY_FILE=/run/secrets/master_key',
    '-p',
    `127.0.0.1:${port}:8377`,
    tag,
  ]);
  expect(r.code, r.err).toBe(0);
};

describe.skipIf(skip)('container image', () => {
  it('builds from the Dockerfile and runs non-root, read-only, healthy, with a write and a read that survive a new container', async () => {
    if (run('podman', ['image', 'exists', 'localhost/keyhaven-base:bookworm']).code !== 0) {
      const b = await runAsync('sh', ['deploy/container/build-local-base.sh']);
      expect(b.code, b.err.slice(-2000)).toBe(0);
    }
    const prep = await runAsync('sh', ['deploy/container/prepare-prebuilt.sh']);
    expect(prep.code, prep.err).toBe(0);
    const build = await runAsync('podman', [
      'build',
      '--format',
      'docker',
      '--isolation=chroot',
      '--layers',
      '--build-arg',
      'BASE_IMAGE=localhost/keyhaven-base:bookworm',
      '--build-arg',
      'APP_STAGE=app-prebuilt',
      '-t',
      tag,
      '.',
    ]);
    expect(build.code, build.err.slice(-3000)).toBe(0);
    const inspect = JSON.parse(run('podman', ['image', 'inspect', tag]).out)[0];
    expect(inspect.Config.User).toBe('10001:10001');
    expect(inspect.Config.Volumes).toHaveProperty(['/var/lib/keyhaven']);
    expect(inspect.Config.Entrypoint.slice(0, 2)).toEqual(['tini', '--']);
    expect(JSON.stringify(inspect.Config.Healthcheck ?? inspect.Healthcheck)).toContain('/health/ready');

    const keyFile = path.join(secrets, 'master_key');
    writeFileSync(keyFile, randomBytes(32).toString('base64') + '\n');
    chmodSync(keyFile, 0o444);
    start('kh-image-1', keyFile);
    expect(await waitReady()).toEqual({ status: 'ready', checks: { database: 'ok', keyring: 'ok', migrations: 'ok', audit: 'ok' } });
    const logs = run('podman', ['logs', 'kh-image-1']).out;
    const token = /Root token[^:]*: (\S+)/.exec(logs)?.[1];
    expect(token).toBeTruthy();
    const headers = { authorization: `Bearer ${token}`, 'x-tenant-id': 'default', 'content-type': 'application/json' };
    expect(
      (await fetch(`${base}/v1/secrets/image/check`, { method: 'PUT', headers, body: JSON.stringify({ value: 'from-the-container' }) }))
        .status,
    ).toBeLessThan(300);
    expect(((await (await fetch(`${base}/v1/secrets/image/check`, { headers })).json()) as { value: string }).value).toBe(
      'from-the-container',
    );

    const top = run('podman', ['top', 'kh-image-1', 'user', 'pid', 'args']).out;
    expect(top).toMatch(/keyhaven\s+1\s+tini -- node/);
    expect(top).toMatch(/keyhaven\s+\d+\s+node \/opt\/keyhaven/);
    expect(run('podman', ['exec', 'kh-image-1', 'id', '-u']).out.trim()).toBe('10001');
    const write = run('podman', [
      'exec',
      'kh-image-1',
      'sh',
      '-c',
      'touch /opt/keyhaven/x 2>&1; touch /etc/x 2>&1; touch /var/lib/keyhaven/probe && echo data-writable',
    ]);
    expect(write.out).toMatch(/Read-only file system/);
    expect(write.out).toContain('data-writable');
    expect(run('podman', ['healthcheck', 'run', 'kh-image-1']).code).toBe(0);

    expect(run('podman', ['stop', '-t', '15', 'kh-image-1']).code).toBe(0);
    expect(run('podman', ['inspect', 'kh-image-1', '--format', '{{.State.ExitCode}}']).out.trim()).toBe('0');
    expect(run('podman', ['logs', 'kh-image-1']).err + run('podman', ['logs', 'kh-image-1']).out).toContain(
      'Received SIGTERM; shutting down',
    );
    run('podman', ['rm', 'kh-image-1']);

    // A new container on the same volume: the same store (no new root token), the secret still there.
    start('kh-image-2', keyFile);
    await waitReady();
    expect(run('podman', ['logs', 'kh-image-2']).out).not.toContain('Root token');
    expect(((await (await fetch(`${base}/v1/secrets/image/check`, { headers })).json()) as { value: string }).value).toBe(
      'from-the-container',
    );
    expect(run('podman', ['stop', '-t', '15', 'kh-image-2']).code).toBe(0);
  }, 1_800_000);
});
