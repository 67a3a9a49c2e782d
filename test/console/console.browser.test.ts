// The web console in a real browser: the BUILT server binary (`keyhaven server --dev`) serves
// packages/console/dist at /ui/, and Debian's Chromium, driven by playwright-core, signs in with a
// token, walks every page, reveals a value (audited; absent from the DOM before the click), rotates
// from the dashboard, verifies the audit chain and signs out. Each page is checked with axe-core
// (no serious or critical violations) and saved as screenshots at 1280×800 and 390×844 into
// test-artifacts/console/. Skipped with a message where /usr/bin/chromium is missing (CI installs it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { DevServer } from '../e2e/support/surface.js';
import { haveChromium, startHarness, type Harness } from './browser-harness.js';

const SECRET_VALUE = 'pg-Pa55w0rd-never-rendered-9f3c';

describe.skipIf(!haveChromium)('web console in Chromium', () => {
  let h: Harness;
  let server: DevServer;
  let context: BrowserContext;
  let page: Page;
  const api: Harness['api'] = (...args) => h.api(...args);
  const capture = (name: string) => h.capture(name);
  const reads = async (name: string) =>
    (await api('GET', `/v1/audit/events?action=secret.read&resource=${encodeURIComponent(name)}`)).items as Array<{
      outcome: string;
      actor_name: string;
      version: number;
    }>;

  beforeAll(async () => {
    // The in-process scheduler is off so the overdue schedule stays overdue while the test looks at it.
    h = await startHarness({ rotation: { enabled: false } });
    ({ server, context, page } = h);

    await api('POST', '/v1/tenants', { id: 'staging', name: 'Staging' }, null);
    await api('POST', '/v1/secrets', {
      name: 'payments/db/password',
      value: SECRET_VALUE,
      type: 'database_credentials',
      tags: ['pci', 'db'],
      service: 'payments',
      environment: 'prod',
      criticality: 'critical',
      description: 'Primary payments database',
    });
    await api('POST', '/v1/secrets', {
      name: 'payments/stripe/api-key',
      value: 'sk_test_console_only',
      type: 'api_key',
      service: 'payments',
      environment: 'prod',
      criticality: 'high',
      expires_at: new Date(Date.now() + 5 * 86400_000).toISOString(),
    });
    await api('POST', '/v1/secrets', {
      name: 'web/session-key',
      value: 'web-session-key-value',
      type: 'encryption_key',
      service: 'web',
      environment: 'staging',
    });
    await api('POST', '/v1/rotation/register', { secret_name: 'web/api-token', rotation_interval_days: 30 });
    // Expires tomorrow and rotates 7 days before expiry: its next run is in the past (overdue).
    await api('POST', '/v1/secrets', {
      name: 'ops/deploy-key',
      value: 'ops-deploy-key-value',
      type: 'token',
      expires_at: new Date(Date.now() + 86400_000).toISOString(),
    });
    await api('POST', '/v1/rotation/register', { secret_name: 'ops/deploy-key', rotate_before_expiry_days: 7, criticality: 'high' });
  }, 90_000);

  afterAll(async () => {
    await h?.close();
  });

  it('is served with a strict CSP, cache headers and an SPA fallback; the server prints its URL', async () => {
    await expect.poll(() => server.output()).toContain(`Web console: ${server.url}/ui/`);
    const index = await fetch(`${server.url}/ui/secret/payments/db/password`);
    expect(index.status).toBe(200);
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(server.url + asset, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${server.url}/ui/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/ui/');
  });

  it('signs in with a token into an HttpOnly session, keeping the token out of the page', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Keyhaven' }).waitFor();
    await capture('sign-in');
    await page.getByLabel('Token').fill('not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'UNAUTHENTICATED' }).waitFor();

    await page.getByLabel('Token').fill(server.rootToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    await page.waitForURL(`${server.url}/ui/secrets`, { timeout: 5000 }); // the route follows the render
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'kh_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(session.value).not.toContain(server.rootToken);
    const visible = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify(localStorage),
      session: JSON.stringify(sessionStorage),
      url: location.href,
    }));
    expect(JSON.stringify(visible)).not.toContain(server.rootToken);
    expect(visible.cookie).toBe('');
    expect(await page.content()).not.toContain(server.rootToken);
  });

  it('refuses a cookie-authenticated change without the CSRF header', async () => {
    const r = await page.evaluate(async () => {
      const res = await fetch('/v1/secrets/web/session-key', { method: 'DELETE', headers: { 'x-tenant-id': 'default' } });
      return { status: res.status, body: await res.json() };
    });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('CSRF_CHECK_FAILED');
    expect((await api('GET', '/v1/secrets/web/session-key:describe')).deleted_at).toBeNull();
  });

  it('lists secrets as a tree with search and filters, and picks a tenant', async () => {
    const folder = (name: string) => page.getByRole('list', { name: 'Folders' }).getByRole('button', { name: new RegExp(`^${name}/`) });
    await folder('payments').waitFor();
    await capture('secrets');
    await folder('payments').click();
    await folder('db').click();
    await page.getByRole('link', { name: 'payments/db/password' }).waitFor();
    expect(page.url()).toContain('prefix=payments%2Fdb%2F');
    await page.getByRole('navigation', { name: 'Path' }).getByRole('button', { name: 'All secrets' }).click();
    await folder('web').waitFor();

    await page.getByLabel('Environment').fill('staging');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/environment=staging/);
    await folder('web').click();
    await page.getByRole('link', { name: 'web/session-key' }).waitFor();
    await page.goto(`${server.url}/ui/secrets?environment=staging`);
    await folder('web').waitFor();
    expect(await folder('payments').count()).toBe(0);

    await page.goto(`${server.url}/ui/secrets?expiring=yes&prefix=payments%2Fstripe%2F`);
    await page.getByRole('link', { name: 'payments/stripe/api-key' }).waitFor();
    await page.goto(`${server.url}/ui/secrets?expiring=yes`);
    await folder('ops').waitFor();
    expect(await folder('web').count()).toBe(0);

    await page.goto(`${server.url}/ui/secrets?q=primary&prefix=payments%2Fdb%2F`);
    await page.getByRole('link', { name: 'payments/db/password' }).waitFor();
    await page.goto(`${server.url}/ui/secrets?q=primary`);
    await folder('payments').waitFor();
    expect(await folder('web').count()).toBe(0);
    await capture('secrets-filtered');

    const tenant = page.getByLabel('Tenant');
    expect(await tenant.locator('option').allTextContents()).toEqual(
      expect.arrayContaining(['Default tenant (default)', 'Staging (staging)']),
    );
    await tenant.selectOption('staging');
    await page.getByText('No secrets match.').waitFor();
    await tenant.selectOption('default');
    await folder('payments').waitFor();
  });

  it('reveals a value only on click (audited), hides it again after 30 s, writes a version, deletes and restores', async () => {
    const name = 'payments/db/password';
    await page.clock.install();
    await page.goto(`${server.url}/ui/secret/${name}`);
    await page.getByRole('heading', { name: 'Metadata' }).waitFor();
    await page.getByRole('cell', { name: 'v1' }).waitFor();
    expect(await page.content()).not.toContain(SECRET_VALUE);
    expect(await reads(name)).toEqual([]);
    await capture('secret');

    await page.getByRole('button', { name: 'Reveal value' }).click();
    await expect.poll(() => page.getByTestId('secret-value').textContent()).toBe(SECRET_VALUE);
    const audited = await reads(name);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ outcome: 'success', actor_name: 'root', version: 1 });
    await capture('secret-revealed');
    await page.clock.fastForward(31_000);
    await page.getByRole('button', { name: 'Reveal value' }).waitFor();
    expect(await page.content()).not.toContain(SECRET_VALUE);

    await page.getByLabel('New value (becomes current)').fill('second-version-value');
    await page.getByRole('button', { name: 'Write version 2' }).click();
    await page.getByRole('status').filter({ hasText: 'Version 2 written' }).waitFor();
    await page.getByRole('cell', { name: 'v2' }).waitFor();
    expect(await page.content()).not.toContain('second-version-value');

    await page.getByRole('button', { name: 'Edit metadata' }).click();
    await page.getByLabel('Owner').fill('payments-team');
    await page.getByLabel('Tags (comma separated)').fill('pci, db, reviewed');
    await page.getByRole('button', { name: 'Save metadata' }).click();
    await page.getByRole('status').filter({ hasText: 'Metadata saved.' }).waitFor();
    expect(await api('GET', `/v1/secrets/${name}:describe`)).toMatchObject({
      owner: 'payments-team',
      tags: ['db', 'pci', 'reviewed'],
      environment: 'prod',
      criticality: 'critical',
    });
    await capture('secret-edited');

    // A third version leaves v1 without a label: it alone can be destroyed on its own.
    await page.getByLabel('New value (becomes current)').fill('third-version-value');
    await page.getByRole('button', { name: 'Write version 3' }).click();
    await page.getByRole('cell', { name: 'v3' }).waitFor();
    await page.getByRole('button', { name: 'Destroy… version 1' }).click();
    await page.getByRole('dialog').getByText('The other versions stay').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Destroy version 1' }).click();
    await page.getByRole('status').filter({ hasText: 'Version 1 destroyed.' }).waitFor();
    const versions = (await api('GET', `/v1/secrets/${name}:versions`)).versions as Array<{ version: number; state: string }>;
    expect(versions.find((v) => v.version === 1)!.state).toBe('destroyed');
    expect(
      versions
        .filter((v) => v.state !== 'destroyed')
        .map((v) => v.version)
        .sort(),
    ).toEqual([2, 3]);

    await page.getByRole('button', { name: 'Delete secret…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Its 2 versions stay stored').waitFor();
    await capture('secret-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Restore…' }).waitFor();
    expect((await api('GET', `/v1/secrets/${name}:describe`)).deleted_at).not.toBeNull();

    await page.getByRole('button', { name: 'Destroy…' }).click();
    await page.getByRole('dialog').getByText('all 2 remaining versions').waitFor();
    expect(await page.getByRole('dialog').getByRole('button', { name: 'Destroy' }).isDisabled()).toBe(true);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Restore…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('button', { name: 'Reveal value' }).waitFor();
    expect((await api('GET', `/v1/secrets/${name}:describe`)).deleted_at).toBeNull();
  });

  it('shows rotation schedules with the overdue one flagged, and rotates from the dashboard', async () => {
    await page.goto(`${server.url}/ui/rotation`);
    const overdueRow = page.getByRole('row').filter({ hasText: 'ops/deploy-key' });
    await overdueRow.getByText('overdue').waitFor();
    expect(await overdueRow.getAttribute('class')).toContain('row-bad');
    expect(await page.getByRole('row').filter({ hasText: 'web/api-token' }).getByText('overdue').count()).toBe(0);
    await capture('rotation');

    await page.getByRole('button', { name: 'Rotate now: web/api-token' }).click();
    await page.getByRole('dialog').getByLabel('Reason (kept in the history)').fill('console test');
    await capture('rotation-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate now' }).click();
    await page.getByRole('status').filter({ hasText: 'web/api-token: rotation success, now at version 2' }).waitFor();
    await page.getByRole('region', { name: 'Rotation history' }).getByRole('row').filter({ hasText: 'console test' }).waitFor();
    const history = (await api('GET', '/v1/rotation/history?secret_name=web/api-token')).items;
    expect(history[0]).toMatchObject({ rotation_status: 'success', rotation_method: 'manual', reason: 'console test', new_version: 2 });

    await page.getByRole('button', { name: 'Roll back: web/api-token' }).click();
    await page.getByRole('dialog').getByText('becomes current again').waitFor();
    await page.getByRole('dialog').getByLabel('Reason (kept in the history)').fill('undo console test');
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('status').filter({ hasText: 'web/api-token: rolled back to the value of version 1' }).waitFor();
    const after = (await api('GET', '/v1/rotation/history?secret_name=web/api-token')).items;
    expect(after[0]).toMatchObject({ rotation_method: 'rollback', rotation_status: 'success', reason: 'undo console test' });
    await capture('rotation-after');
  });

  it('filters and pages the audit log and verifies the chain', async () => {
    for (let i = 0; i < 60; i++) await api('GET', '/v1/secrets/web/session-key:describe'); // more than one page of events
    await page.goto(`${server.url}/ui/audit`);
    await page.getByRole('region', { name: 'Audit events' }).waitFor();
    await capture('audit');
    await page.getByLabel('Action').fill('secret.read');
    await page.getByRole('button', { name: 'Apply' }).click();
    const rows = page.getByRole('region', { name: 'Audit events' }).getByRole('row');
    await rows.filter({ hasText: 'payments/db/password' }).waitFor();
    expect(await rows.count()).toBe(2); // header + the one read
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(51); // a full first page
    await page.getByRole('button', { name: 'Older' }).click();
    await page.getByText('Page 2').waitFor();
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.getByText('Page 1').waitFor();

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => page.getByTestId('verify-result').textContent()).toMatch(/^Chain intact: \d+ entries checked/);
    await capture('audit-verified');
  });

  it('signs out: the session ends on the server and the page is back at sign-in', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'kh_session')!.value;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Keyhaven' }).waitFor();
    expect((await context.cookies()).find((c) => c.name === 'kh_session')).toBeUndefined();
    const replay = await fetch(`${server.url}/v1/secrets`, { headers: { cookie: `kh_session=${cookie}`, 'x-tenant-id': 'default' } });
    expect(replay.status).toBe(401);
    expect((await replay.json()).error.code).toBe('SESSION_EXPIRED');
    await page.goto(`${server.url}/ui/secrets`);
    await page.getByRole('heading', { name: 'Sign in to Keyhaven' }).waitFor();
  });

  it('loaded no script or style against the CSP and threw no page errors', () => {
    expect(h.cspViolations).toEqual([]);
    expect(h.pageErrors).toEqual([]);
  });
});
