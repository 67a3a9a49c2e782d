// The console's operations pages in a real browser (the built server, Debian's Chromium): emergency
// rotation of a selection (dry run first, confirmation naming the count, results), rotation charts,
// a secret's access history and the anomaly signals, providers and sync status, scan findings
// matched by fingerprint (only digests leave the browser) with a one-click emergency rotation, and
// the admin pages (tokens, roles, policies). Each page passes axe (no serious or critical
// violations) and is saved as screenshots at 1280×800 and 390×844 in test-artifacts/console/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyhaven, REPO_ROOT } from '../e2e/support/surface.js';
import { haveChromium, startHarness, type Harness } from './browser-harness.js';

const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe.skipIf(!haveChromium)('web console operations pages in Chromium', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((dir) => ({ rotation: { enabled: false }, providers: { dotenv: { enabled: true, directories: [dir] } } }));
    const { api } = h;
    await api('POST', '/v1/secrets', {
      name: 'leak/a',
      value: 'leak-a-original-value',
      type: 'api_key',
      tags: ['leaked'],
      criticality: 'high',
    });
    await api('POST', '/v1/rotation/register', { secret_name: 'leak/a', rotation_interval_days: 30 });
    await api('POST', '/v1/secrets', { name: 'leak/b', value: 'leak-b-original-value', type: 'token', tags: ['leaked'] });
    await api('POST', '/v1/rotation/register', { secret_name: 'leak/b', rotation_interval_days: 30 });
    await api('POST', '/v1/secrets', { name: 'leak/imported-url', value: 'postgres://imported', type: 'generic', tags: ['leaked'] });
    await api('POST', '/v1/secrets', { name: 'other/c', value: 'other-c-value', type: 'api_key', tags: ['fine'] });
    await api('POST', '/v1/rotation/register', { secret_name: 'other/c', rotation_interval_days: 30 });
    await h.signIn();
  }, 90_000);

  afterAll(async () => {
    await h?.close();
  });

  it('emergency-rotates a selection: dry run first (unregistered left out), then a confirmation naming the count, then the results', async () => {
    const { page } = h;
    await page.goto(`${h.server.url}/ui/rotation`);
    await page.getByRole('link', { name: 'Emergency rotation…' }).click();
    await page.getByRole('heading', { name: 'Emergency rotation', level: 1 }).waitFor();
    // Keyboard only: the tag field, then Enter submits the dry run.
    await page.getByLabel('Tag').focus();
    await page.keyboard.type('leaked');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dry run: 2 secrets would rotate' }).waitFor();
    const listed = page.getByRole('region', { name: 'Secrets that would rotate' });
    expect((await listed.getByRole('link').allTextContents()).sort()).toEqual(['leak/a', 'leak/b']);
    await page.getByText('1 unregistered secret').waitFor();
    // Nothing rotated by the dry run.
    expect((await h.api('GET', '/v1/rotation/history?method=emergency')).items).toEqual([]);
    await h.capture('emergency-dry-run');

    await page.getByRole('button', { name: 'Emergency-rotate 2 secrets…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Emergency-rotate 2 secrets?' }).waitFor();
    expect(await dialog.getByRole('button', { name: 'Rotate 2 secrets' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Type 2 to confirm').fill('2');
    await dialog.getByLabel('Reason (kept in the history)').fill('leaked in a chat');
    await h.capture('emergency-confirm');
    await dialog.getByRole('button', { name: 'Rotate 2 secrets' }).click();
    await page.getByRole('status').filter({ hasText: '2 of 2 secrets rotated.' }).waitFor();
    const results = page.getByRole('region', { name: 'Emergency rotation results' });
    await results.getByRole('row').filter({ hasText: 'leak/a' }).getByText('success').waitFor();
    await results.getByRole('row').filter({ hasText: 'leak/b' }).getByText('v2').waitFor();
    await h.capture('emergency-result');

    const runs = (await h.api('GET', '/v1/rotation/history?method=emergency')).items as Array<{
      secret_name: string;
      reason: string;
      rotation_status: string;
    }>;
    expect(runs.map((r) => r.secret_name).sort()).toEqual(['leak/a', 'leak/b']);
    expect(runs.every((r) => r.reason === 'leaked in a chat' && r.rotation_status === 'success')).toBe(true);
    expect((await h.api('GET', '/v1/secrets/leak/imported-url:describe')).latest_version).toBe(1);
    expect((await h.api('GET', '/v1/secrets/other/c:describe')).latest_version).toBe(1);
    expect(await page.content()).not.toContain('leak-a-original-value');
  });

  it('charts rotations and failures a day from the rotation history', async () => {
    const { page, api } = h;
    const port = await closedPort();
    await api('PUT', '/v1/secrets/hooks/admin', { value: { signing_secret: 'a-signing-secret-of-32-characters' } });
    await api('POST', '/v1/rotation/register', {
      secret_name: 'hooks/failing',
      rotator: 'webhook',
      admin_credential_secret: 'hooks/admin',
      rotator_config: { set_url: `http://127.0.0.1:${port}/set`, test_url: `http://127.0.0.1:${port}/test` },
    });
    const failed = await fetch(`${h.server.url}/v1/rotation/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.server.rootToken}`, 'x-tenant-id': 'default', 'content-type': 'application/json' },
      body: JSON.stringify({ secret_name: 'hooks/failing' }),
    });
    expect(failed.status).toBe(503);
    const runs = (await api('GET', '/v1/rotation/history?limit=1000')).items as Array<{ rotation_status: string; rotation_method: string }>;
    const bad = runs.filter((r) => ['failed', 'partial', 'rolled_back'].includes(r.rotation_status)).length;
    const good = runs.filter((r) => r.rotation_status === 'success').length;
    expect(bad).toBe(1);
    expect(good).toBeGreaterThanOrEqual(2);

    await page.goto(`${h.server.url}/ui/rotation`);
    const all = page.getByRole('figure', { name: /All rotations/ });
    await all.getByText(`${good} succeeded, ${bad} failed`, { exact: true }).waitFor();
    const img = all.getByRole('img');
    expect(await img.getAttribute('aria-label')).toMatch(new RegExp(`^All rotations: ${good} succeeded and ${bad} failed over 30 days`));
    // One bar group a day, today's with both parts.
    const today = new Date().toISOString().slice(0, 10);
    expect(await all.locator('svg g[data-day]').count()).toBe(30);
    expect(await all.locator(`g[data-day="${today}"] rect.ok`).count()).toBe(1);
    expect(await all.locator(`g[data-day="${today}"] rect.failed`).count()).toBe(1);
    await page
      .getByRole('figure', { name: /Emergency rotations/ })
      .getByText('2 succeeded, 0 failed', { exact: true })
      .waitFor();
    await page.getByLabel('Period').selectOption('7');
    await expect.poll(() => all.locator('svg g[data-day]').count()).toBe(7);
    await all.getByText('Show as table').click();
    await all
      .getByRole('row')
      .filter({ hasText: today })
      .getByRole('cell', { name: String(bad), exact: true })
      .waitFor();
    await h.capture('rotation-charts');
  });

  it("shows one secret's access history from its page, and the anomaly signals (an old version read after an emergency rotation)", async () => {
    const { page, api } = h;
    // leak/a was emergency-rotated to v2 above; reading v1 now is the stale-read signal.
    const old = await api('GET', '/v1/secrets/leak/a?version=1');
    expect(old.version).toBe(1);
    await page.goto(`${h.server.url}/ui/secret/leak/a`);
    await page.getByRole('link', { name: 'Access history of this secret' }).click();
    await page.getByRole('heading', { name: 'Access history: leak/a', level: 1 }).waitFor();
    const rows = page.getByRole('region', { name: 'Access history' }).getByRole('row');
    const oldRead = rows.filter({ hasText: 'secret.read' }).filter({ hasText: 'old version' });
    await oldRead.waitFor();
    expect(await oldRead.textContent()).toContain('v1');
    await page.getByLabel('Action').fill('secret.read');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(2); // header + the one read
    await h.capture('secret-access-history');
    expect(await page.content()).not.toContain('leak-a-original-value');

    await page.goto(`${h.server.url}/ui/audit`);
    const signals = page.getByRole('region', { name: 'Anomaly signals' });
    const stale = signals.getByRole('row').filter({ hasText: 'Old version read after emergency rotation' });
    await expect
      .poll(
        async () => {
          if (await stale.count()) return true;
          await page.getByRole('button', { name: 'Refresh signals' }).click();
          await page.waitForTimeout(300);
          return false;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(await stale.textContent()).toContain('leak/a');
    await stale.getByRole('link', { name: 'access history' }).waitFor();
    await h.capture('audit-anomalies');
  });

  it('shows providers with a connection test, and sync status with the last errors', async () => {
    const { page, api } = h;
    await api('POST', '/v1/providers', { kind: 'dotenv', name: 'local-env', config: { path: path.join(h.dir, 'app.env') } });
    mkdirSync(path.join(h.dir, 'a-directory.env'));
    await api('POST', '/v1/providers', { kind: 'dotenv', name: 'broken-env', config: { path: path.join(h.dir, 'a-directory.env') } });
    await api('POST', '/v1/sync/destinations', { secret_name: 'SYNC_BROKEN', provider_id: 'broken-env' });
    await api('PUT', '/v1/secrets/SYNC_BROKEN', { value: 'never-synced-value' });
    await api('POST', '/v1/sync/destinations', { secret_name: 'SYNC_OK', provider_id: 'local-env' });
    await api('PUT', '/v1/secrets/SYNC_OK', { value: 'synced-value-123' });

    await page.goto(`${h.server.url}/ui/secrets`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Providers' }).click();
    await page.getByRole('heading', { name: 'Providers and sync', level: 1 }).waitFor();
    const providers = page.getByRole('region', { name: 'Providers' });
    await providers.getByRole('row').filter({ hasText: 'local-env' }).waitFor();
    await page.getByRole('button', { name: 'Test connection: local-env' }).click();
    await providers.getByRole('row').filter({ hasText: 'local-env' }).getByRole('status').filter({ hasText: 'Connected' }).waitFor();

    await page.getByRole('button', { name: 'Run sync now' }).click();
    await page.getByRole('status').filter({ hasText: 'Sync ran' }).waitFor();
    const states = page.getByRole('region', { name: 'Sync status' });
    const broken = states.getByRole('row').filter({ hasText: 'SYNC_BROKEN' });
    await broken.getByText('error', { exact: true }).waitFor();
    const apiBroken = ((await api('GET', '/v1/sync/status')).items as Array<{ secret_name: string; last_error: string | null }>).find(
      (i) => i.secret_name === 'SYNC_BROKEN',
    )!;
    expect(apiBroken.last_error).toBeTruthy();
    expect(await broken.textContent()).toContain(apiBroken.last_error!);
    await states.getByRole('row').filter({ hasText: 'SYNC_OK' }).getByText('ok', { exact: true }).waitFor();
    await page.getByRole('list', { name: 'Sync summary' }).getByText('failing').waitFor();
    expect(await page.getByRole('list', { name: 'Sync summary' }).textContent()).toMatch(/1\s*in sync.*1\s*failing/);
    await providers.getByRole('row').filter({ hasText: 'broken-env' }).getByText('1 failing').waitFor();
    await page.getByLabel('Only failing').check();
    await expect.poll(() => states.getByRole('row').count()).toBe(2);
    await page.getByLabel('Only failing').uncheck();
    await states.getByRole('row').filter({ hasText: 'SYNC_OK' }).waitFor();
    await h.capture('providers-sync');
    expect(await page.content()).not.toContain('synced-value-123');
  });

  it('matches a scan report against the vault by digest only (even a --reveal report), and emergency-rotates a match', async () => {
    const { page, api } = h;
    const leaked = 'ghp_pLIix6MEOLeMa61EqJomTEI1JEzO3joOj37H';
    await api('POST', '/v1/secrets', { name: 'ci/github-token', value: leaked, type: 'token', criticality: 'critical' });
    await api('POST', '/v1/rotation/register', { secret_name: 'ci/github-token', rotation_interval_days: 90 });
    // The real CLI makes the report; --reveal puts the full value in it, which the console must drop.
    const repo = path.join(h.dir, 'repo');
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'deploy.env'), `GITHUB_TOKEN=${leaked}\nAWS_ACCESS_KEY_ID=AKIAQ3EGRSA5JJZ2EXMP\n`);
    const env = { ...process.env };
    delete env.KEYHAVEN_ADDR;
    delete env.KEYHAVEN_TOKEN;
    const scan = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'packages/cli/dist/main.js'), 'scan', repo, '--format', 'json', '--reveal', '--no-vault', '--no-progress'],
      { encoding: 'utf8', env },
    );
    expect(scan.status, scan.stderr).toBe(1);
    const report = JSON.parse(scan.stdout) as { findings: Array<{ sha256: string; secret?: string; file: string }> };
    expect(report.findings.some((f) => f.secret === leaked)).toBe(true);
    const reportFile = path.join(h.dir, 'scan.json');
    writeFileSync(reportFile, scan.stdout);

    await page.goto(`${h.server.url}/ui/secrets`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leaks' }).click();
    await page.getByRole('heading', { name: 'Leaked secrets', level: 1 }).waitFor();
    // A report that is not JSON is refused with a message, and nothing is sent.
    await page.getByLabel('Report text').fill('not a report');
    await page.getByRole('button', { name: 'Check against the vault' }).click();
    await page.getByRole('alert').filter({ hasText: 'This is not JSON' }).waitFor();

    h.requests.length = 0;
    await page.getByLabel('Scan report (JSON)').setInputFiles(reportFile);
    await page.getByRole('heading', { name: new RegExp(`^${report.findings.length} findings, 1 matching a stored secret$`) }).waitFor();
    await page.getByText('they were dropped in the browser and not sent').waitFor();
    const row = page.getByRole('region', { name: 'Scan findings' }).getByRole('row').filter({ hasText: 'ci/github-token' });
    await row.getByText('current').waitFor();
    expect(await row.textContent()).toContain('deploy.env:1');
    const sent = h.requests.filter((r) => r.url.includes('/v1/'));
    const matchCall = sent.find((r) => r.url.endsWith('/v1/fingerprints/match'))!;
    expect(JSON.parse(matchCall.body!)).toEqual({ sha256: expect.arrayContaining(report.findings.map((f) => f.sha256)) });
    for (const r of h.requests) expect(`${r.url} ${r.body ?? ''}`).not.toContain(leaked);
    expect(await page.content()).not.toContain(leaked);
    expect(await page.getByLabel('Report text').inputValue()).toBe('');
    await h.capture('leaks-matched');

    await page.getByRole('button', { name: 'Emergency-rotate ci/github-token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('was found in deploy.env:1').waitFor();
    expect(await dialog.getByLabel('Reason (kept in the history)').inputValue()).toContain('deploy.env:1');
    await h.capture('leaks-confirm');
    await dialog.getByRole('button', { name: 'Emergency-rotate' }).click();
    await page.getByRole('status').filter({ hasText: 'ci/github-token: emergency rotation success, now at version 2' }).waitFor();
    await row.getByText('previous').waitFor(); // the leaked value is no longer current
    const run = (await api('GET', '/v1/rotation/history?secret_name=ci/github-token')).items[0];
    expect(run).toMatchObject({ rotation_method: 'emergency', rotation_status: 'success' });
    expect(run.reason).toContain('deploy.env:1');
    for (const r of h.requests) expect(`${r.url} ${r.body ?? ''}`).not.toContain(leaked);
    expect(await page.content()).not.toContain(leaked);
  });

  it('admin: lists tokens with their identity, creates one (shown once), revokes one behind a confirmation; edits roles and policies', async () => {
    const { page, api } = h;
    // A machine logs in with AppRole through the CLI: its token carries an identity.
    const config = path.join(h.dir, 'cli-config');
    const admin = (args: string[], input?: string) =>
      keyhaven(args, { cwd: h.dir, input, env: { ...h.server.env, XDG_CONFIG_HOME: config } });
    expect((await admin(['auth', 'approle', 'role', 'put', 'deployer', '--token-role', 'read', '--ttl', '15m'])).code).toBe(0);
    const roleId = (await admin(['auth', 'approle', 'role-id', 'deployer'])).stdout.trim();
    const issued = JSON.parse(
      (await admin(['auth', 'approle', 'secret-id', 'issue', 'deployer', '--meta', 'host=ci-7', '--format', 'json'])).stdout,
    ) as { secret_id: string };
    const login = await keyhaven(['login', '--method', 'approle', '--role-id', roleId, '--secret-id-file', '-'], {
      cwd: h.dir,
      input: `${issued.secret_id}\n`,
      env: { KEYHAVEN_ADDR: h.server.url, KEYHAVEN_TENANT: 'default', XDG_CONFIG_HOME: path.join(h.dir, 'machine') },
    });
    expect(login.code, login.stderr).toBe(0);
    const victim = await api('POST', '/v1/tokens', { name: 'old-ci', role: 'write' });

    await page.goto(`${h.server.url}/ui/secrets`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Admin', level: 1 }).waitFor();
    const tokens = page.getByRole('region', { name: 'Tokens' });
    const machineRow = tokens.getByRole('row').filter({ hasText: 'approle (deployer)' });
    await machineRow.waitFor();
    expect(await machineRow.textContent()).toContain('host=ci-7');

    await page.getByLabel('Name').fill('console-made');
    await page.getByRole('form', { name: 'Create a token' }).getByLabel('Role').selectOption('read');
    await page.getByLabel('Expires after').selectOption({ label: '1 day' });
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token');
    await shown.waitFor();
    const made = (await shown.textContent())!.trim();
    const self = await fetch(`${h.server.url}/v1/tokens/self`, { headers: { authorization: `Bearer ${made}` } });
    expect(self.status).toBe(200);
    expect(await self.json()).toMatchObject({ name: 'console-made' });
    await tokens.getByRole('row').filter({ hasText: 'console-made' }).waitFor();
    await page.getByRole('button', { name: 'Done, hide it' }).click();
    expect(await page.content()).not.toContain(made);

    await page.getByRole('button', { name: 'Revoke old-ci' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Revoke token "old-ci"?' }).waitFor();
    expect(await dialog.getByRole('button', { name: 'Revoke' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Type old-ci to confirm').fill('old-ci');
    await h.capture('admin-revoke-confirm');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('status').filter({ hasText: 'Token "old-ci" revoked.' }).waitFor();
    // The status shows before the list reloads: wait for the row to go.
    await expect.poll(() => tokens.getByRole('row').filter({ hasText: 'old-ci' }).count()).toBe(0);
    const refused = await fetch(`${h.server.url}/v1/secrets`, {
      headers: { authorization: `Bearer ${victim.token}`, 'x-tenant-id': 'default' },
    });
    expect(refused.status).toBe(401);
    await page.getByLabel('Show revoked tokens').check();
    await tokens
      .getByRole('row')
      .filter({ hasText: 'old-ci' })
      .getByText(/^revoked/)
      .waitFor();

    // A policy (JSON rules, checked by the server), then a role bundling it.
    await page.getByRole('button', { name: 'New policy' }).click();
    await page.getByLabel('Policy name').fill('billing-read');
    await page.getByLabel(/^Rules/).fill('not json');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid JSON' }).waitFor();
    await page.getByLabel(/^Rules/).fill(
      JSON.stringify([
        { effect: 'allow', actions: ['read', 'list'], paths: ['billing/**'] },
        { effect: 'deny', actions: ['read'], paths: ['billing/root/*'] },
      ]),
    );
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Policy "billing-read" saved.' }).waitFor();
    const policies = page.getByRole('region', { name: 'Policies' });
    await policies.getByRole('row').filter({ hasText: 'billing-read' }).getByText('billing/root/*').waitFor();

    await page.getByRole('button', { name: 'New role' }).click();
    await page.getByLabel('Role name').fill('billing-reader');
    await page.getByLabel('Role description').fill('Reads billing secrets');
    await page.getByRole('group', { name: 'Policies of the role' }).getByLabel('billing-read').check();
    await page.getByRole('button', { name: 'Save role' }).click();
    await page.getByRole('status').filter({ hasText: 'Role "billing-reader" saved.' }).waitFor();
    expect((await api('GET', '/v1/roles')).items).toContainEqual(
      expect.objectContaining({ name: 'billing-reader', policies: ['billing-read'], description: 'Reads billing secrets' }),
    );

    await page.getByRole('button', { name: 'Edit policy billing-read' }).click();
    await page.getByLabel('Policy description').fill('Billing, read only');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Policy "billing-read" saved.' }).waitFor();
    expect((await api('GET', '/v1/policies/billing-read')).description).toBe('Billing, read only');
    // The new role is offered for tokens.
    expect(await page.getByRole('form', { name: 'Create a token' }).getByLabel('Role').locator('option').allTextContents()).toContain(
      'billing-reader',
    );
    await h.capture('admin');
  });

  it('loaded no script or style against the CSP and threw no page errors', () => {
    expect(h.cspViolations).toEqual([]);
    expect(h.pageErrors).toEqual([]);
  });
});
