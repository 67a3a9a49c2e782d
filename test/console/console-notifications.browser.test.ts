// The console's notifications page in a real browser (the built server, Debian's Chromium, the
// shared harness): a webhook subscription added through the form (its generated signing secret
// shown once) reaches a receiver on 127.0.0.1 with a signed test event, is listed, and is deleted
// behind a confirmation; a dead letter (a webhook to a closed port, one attempt) is retried from the
// page; a secret expiring soon without rotation is listed among the manual rotations. Axe and
// screenshots at 1280×800 and 390×844 (test-artifacts/console/notifications-*.png).
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, startHarness, type Harness } from './browser-harness.js';

const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

interface Hook {
  headers: IncomingMessage['headers'];
  body: string;
}

describe.skipIf(!haveChromium)('web console notifications page in Chromium', () => {
  let h: Harness;
  const hooks: Hook[] = [];
  const receiver = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  let hookUrl = '';

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/keyhaven`;
    h = await startHarness({
      rotation: { enabled: false },
      egress: { allowLoopback: true },
      notifications: { maxAttempts: 1, pollIntervalMs: 100, retryBaseMs: 10 },
    });
    // A dead letter: a subscription to a closed port, one attempt, then a change it is told about.
    await h.api('POST', '/v1/notifications/subscriptions', {
      id: 'broken',
      channel: 'webhook',
      config: { url: `http://127.0.0.1:${await closedPort()}/gone` },
    });
    await h.api('POST', '/v1/secrets', { name: 'billing/stripe', value: 'sk-live-value-1', criticality: 'high' });
    for (let i = 0; i < 100 && (await h.api('GET', '/v1/notifications/dead-letters')).items.length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    // A secret that needs a person: expires in 5 days, no automatic rotation.
    await h.api('POST', '/v1/secrets', {
      name: 'vendor/api-key',
      value: 'vendor-value-1',
      expires_at: new Date(Date.now() + 5 * 86400_000).toISOString(),
      owner: 'team-billing',
    });
    await h.signIn();
  }, 90_000);

  afterAll(async () => {
    await h?.close();
    await new Promise((r) => receiver.close(r));
  });

  it('adds a webhook subscription through the form, tests it, lists it and deletes it behind a confirmation', async () => {
    const { page } = h;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    expect(await page.title()).toBe('Notifications · Keyhaven');

    const form = page.getByRole('form', { name: 'Add a subscription' });
    await form.getByLabel('Id', { exact: true }).fill('ops');
    await form.getByLabel('Channel').selectOption('webhook');
    await form.getByLabel('Webhook URL').fill(hookUrl);
    await form.getByLabel('Minimum criticality').selectOption('high');
    await form.getByLabel('Name prefix').fill('billing/');
    await form.getByLabel('secret.rotated', { exact: true }).check();
    await form.getByLabel('secret.rotation_failed', { exact: true }).check();
    await form.getByRole('button', { name: 'Add subscription' }).click();
    await page.getByRole('status').filter({ hasText: 'Subscription "ops" added.' }).waitFor();

    // The generated signing secret is shown once, and is the one the receiver's signatures verify with.
    const secret = (await page.getByTestId('signing-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    const subs = page.getByRole('region', { name: 'Subscriptions' });
    const row = subs.getByRole('row').filter({ hasText: 'ops' });
    await row.waitFor();
    expect(await row.textContent()).toContain(hookUrl);
    expect(await row.textContent()).toContain('high and above');
    expect(await row.textContent()).toContain('billing/');
    expect(await row.textContent()).toContain('secret.rotation_failed');
    expect(await row.textContent()).not.toContain(secret);
    const stored = (await h.api('GET', '/v1/notifications/subscriptions/ops')) as Record<string, any>;
    expect(stored).toMatchObject({ channel: 'webhook', min_criticality: 'high', name_prefix: 'billing/', enabled: true });
    expect(stored.event_types.sort()).toEqual(['secret.rotated', 'secret.rotation_failed']);

    await row.getByRole('button', { name: 'Send test to ops' }).click();
    await page.getByRole('status').filter({ hasText: 'delivered to "ops"' }).waitFor();
    const hook = hooks.at(-1)!;
    const ts = String(hook.headers['x-keyhaven-timestamp']);
    expect(hook.headers['x-keyhaven-signature']).toBe(`v1=${createHmac('sha256', secret).update(`${ts}.${hook.body}`).digest('hex')}`);

    await page.getByRole('button', { name: 'Done, hide it' }).click();
    expect(await page.getByTestId('signing-secret').count()).toBe(0);
    await h.capture('notifications');

    // Delete: the confirmation names what is lost; Cancel keeps it, the confirmed delete removes it.
    await row.getByRole('button', { name: 'Delete ops' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Delete subscription "ops"?' }).waitFor();
    expect(await dialog.textContent()).toContain(hookUrl);
    await h.capture('notifications-delete');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await h.api('GET', '/v1/notifications/subscriptions/ops')).id).toBe('ops');
    await row.getByRole('button', { name: 'Delete ops' }).click();
    await dialog.getByRole('button', { name: 'Delete subscription' }).click();
    await page.getByRole('status').filter({ hasText: 'Subscription "ops" deleted.' }).waitFor();
    await row.waitFor({ state: 'detached' });
    const left = (await h.api('GET', '/v1/notifications/subscriptions')).items.map((s: { id: string }) => s.id);
    expect(left).toEqual(['broken']);
  });

  it('retries a dead letter from the page, and lists the secrets that need a manual rotation', async () => {
    const { page } = h;
    await page.goto(`${h.server.url}/ui/notifications`);
    const dead = page.getByRole('region', { name: 'Dead letters' });
    const letter = dead.getByRole('row').filter({ hasText: 'billing/stripe' });
    await letter.waitFor();
    expect(await letter.textContent()).toContain('secret.changed');
    expect(await letter.textContent()).toContain('broken');
    const [first] = (await h.api('GET', '/v1/notifications/dead-letters')).items as Array<{ id: number; attempts: number }>;
    await letter.getByRole('button', { name: `Retry delivery ${first!.id}` }).click();
    await page.getByRole('status').filter({ hasText: '1 delivery queued again' }).waitFor();
    // The server did retry it (recorded in the audit log), and with one attempt allowed it fails again.
    const retries = (await h.api('GET', '/v1/audit/events?action=notification.retry')).items as Array<{ outcome: string }>;
    expect(retries.map((e) => e.outcome)).toContain('success');

    const due = page.getByRole('region', { name: 'Manual rotations due' });
    const reminder = due.getByRole('row').filter({ hasText: 'vendor/api-key' });
    await reminder.waitFor();
    expect(await reminder.textContent()).toContain('team-billing');
    await reminder.getByRole('link', { name: 'vendor/api-key' }).click();
    await page.getByRole('heading', { name: 'vendor/api-key', level: 1 }).waitFor();
  });

  it('loaded no script or style against the CSP, threw no page errors and stayed on this machine', () => {
    expect(h.cspViolations).toEqual([]);
    expect(h.pageErrors).toEqual([]);
    expect(h.offMachine).toEqual([]);
  });
});
