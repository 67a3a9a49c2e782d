// The `keyhaven notifications` commands, the BUILT CLI against the BUILT server (subprocesses): subscribe
// a webhook, receive a signed event, list, switch off, dead letters and retry, the manual-rotation list,
// and usage errors with their exit codes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { api, assertBuilt, cleanup, killAll, masterKey, runCli, startServerProcess, tempDir } from '../deploy/support.js';
import { startReceiver, waitFor } from './support.js';

const dirs: string[] = [];
afterAll(() => {
  killAll();
  for (const d of dirs) cleanup(d);
});

it('keyhaven notifications: subscribe, deliver, list, disable, dead letters, retry, manual rotations', async () => {
  assertBuilt();
  const dir = tempDir('kh-notify-cli-');
  dirs.push(dir);
  const config = path.join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      egress: { allowLoopback: true },
      notifications: { pollIntervalMs: 100, retryBaseMs: 50, retryMaxMs: 100, maxAttempts: 2 },
    }),
  );
  const server = await startServerProcess([], { KEYHAVEN_DATA_DIR: dir, KEYHAVEN_MASTER_KEY: masterKey(), KEYHAVEN_CONFIG: config });
  const rx = await startReceiver();
  try {
    const env = { KEYHAVEN_ADDR: server.url, KEYHAVEN_TOKEN: server.rootToken! };
    const secretFile = path.join(dir, 'signing-secret');
    writeFileSync(secretFile, 'my-shared-signing-secret-0123456789\n');
    const sub = await runCli(
      [
        'notifications',
        'subscribe',
        'ops',
        '--webhook',
        rx.url,
        '--signing-secret-file',
        secretFile,
        '--event',
        'secret.changed',
        '--prefix',
        'prod/',
      ],
      env,
    );
    expect(sub.code, sub.stderr).toBe(0);
    expect(sub.stdout).toContain('Subscribed ops (webhook)');
    rx.setSecret('my-shared-signing-secret-0123456789');

    expect((await runCli(['secrets', 'set', 'prod/api', 'value-1'], env)).code).toBe(0);
    expect((await runCli(['secrets', 'set', 'dev/api', 'value-1'], env)).code).toBe(0);
    await waitFor(() => rx.order.length === 1, 'the event');
    expect(rx.order[0]).toMatchObject({ secret: 'prod/api', signatureOk: true });

    const list = await runCli(['notifications', 'list', '--format', 'json'], env);
    expect(list.code).toBe(0);
    const items = JSON.parse(list.stdout);
    expect(items[0]).toMatchObject({ id: 'ops', channel: 'webhook', event_types: ['secret.changed'], name_prefix: 'prod/', enabled: true });
    expect(list.stdout).not.toContain('my-shared-signing-secret');

    // A failing receiver: two attempts, then a dead letter; retry after it recovers.
    rx.setMode('fail');
    await runCli(['secrets', 'set', 'prod/api', 'value-2'], env);
    let dead: any[] = [];
    await waitFor(async () => {
      const r = await runCli(['notifications', 'dead-letters', '--format', 'json'], env);
      dead = JSON.parse(r.stdout);
      return dead.length === 1;
    }, 'a dead letter');
    expect(dead[0]).toMatchObject({ subscription: 'ops', secret: 'prod/api', attempts: 2, status: 'dead' });
    rx.setMode('ok');
    const retry = await runCli(['notifications', 'retry', '--all'], env);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toContain('Queued 1 delivery(ies) again');
    await waitFor(() => rx.order.length === 2, 'the retried event');

    const off = await runCli(['notifications', 'update', 'ops', '--disable'], env);
    expect(off.code, off.stderr).toBe(0);
    await runCli(['secrets', 'set', 'prod/api', 'value-3'], env);
    await new Promise((r) => setTimeout(r, 400));
    expect(rx.order).toHaveLength(2);

    // Manual rotations: an expiring secret without automatic rotation is listed.
    const call = api(server.url, server.rootToken!);
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect((await call('POST', '/v1/secrets', { name: 'vendor/key', value: 'k', expires_at: soon })).status).toBe(201);
    const manual = await runCli(['notifications', 'manual-rotations', '--within-days', '7', '--format', 'json'], env);
    expect(manual.code, manual.stderr).toBe(0);
    expect(JSON.parse(manual.stdout)).toEqual([expect.objectContaining({ name: 'vendor/key', status: 'expiring' })]);

    // Usage and API errors, with exit codes.
    const two = await runCli(['notifications', 'subscribe', 'x', '--webhook', rx.url, '--nats', 'nats://127.0.0.1:4222'], env);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('exactly one channel');
    const bad = await runCli(['notifications', 'subscribe', 'x', '--webhook', 'not-a-url'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('NOTIFICATION_CONFIG_INVALID');
    const missing = await runCli(['notifications', 'show', 'nope'], env);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('NOTIFICATION_SUBSCRIPTION_NOT_FOUND');
  } finally {
    await server.stop();
    await rx.down();
  }
}, 90_000);
