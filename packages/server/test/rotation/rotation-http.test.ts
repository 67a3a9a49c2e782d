// Rotation through the HTTP front door with the `generated` rotator, on SQLite and PostgreSQL:
// register, rotate, history, schedules, due, emergency (single and bulk), rollback, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const clockAt = { t: Date.parse('2026-03-02T10:00:00Z') };
const clock = { now: () => new Date(clockAt.t) };

describe.each(backends())('rotation over HTTP (%s)', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    clockAt.t = Date.parse('2026-03-02T10:00:00Z');
    s = await startTestServer(backend, { clock, config: { rotation: { enabled: false } } as never });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('registers with the seed 000 body, creates the secret and computes the next rotation', async () => {
    const r = await s.call('POST', '/secrets/register', {
      body: {
        secret_name: 'openai-api-key',
        provider_name: 'gcp',
        rotator: 'generated',
        secret_type: 'api_key',
        rotation_interval_days: 30,
        criticality: 'high',
        description: 'OpenAI API key for LLM services',
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      secret_name: 'openai-api-key',
      secret_created: true,
      rotator: 'generated',
      provider_name: 'gcp',
      rotation_interval_days: 30,
      criticality: 'high',
      next_rotation_date: '2026-04-01T10:00:00.000Z',
    });
    const v = await s.call('GET', '/v1/secrets/openai-api-key');
    expect(v.body.version).toBe(1);
    expect(typeof v.body.value).toBe('string');
  });

  it('provider_name alone selects the provider rotator, whose config is validated before anything is written', async () => {
    const r = await s.call('POST', '/secrets/register', {
      body: { secret_name: 'gcp-only', provider_name: 'gcp', secret_type: 'api_key', rotator_config: { no_such_field: 1 } },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('ROTATOR_CONFIG_INVALID');
    expect((await s.call('GET', '/v1/secrets/gcp-only')).status).toBe(404);
  });

  it('rotates manually: a new current, the old one previous, a success row in history', async () => {
    const before = (await s.call('GET', '/v1/secrets/openai-api-key')).body.value;
    const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'openai-api-key', rotation_method: 'manual' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'success', previous_version: 1, new_version: 2, method: 'manual', step: 'done' });
    const cur = await s.call('GET', '/v1/secrets/openai-api-key');
    expect(cur.body.version).toBe(2);
    expect(cur.body.value).not.toBe(before);
    expect((await s.call('GET', '/v1/secrets/openai-api-key?label=previous')).body.value).toBe(before);
    const h = await s.call('GET', '/secrets/history?secret_name=openai-api-key');
    expect(h.body.items[0]).toMatchObject({
      rotation_status: 'success',
      rotation_method: 'manual',
      previous_version: 1,
      new_version: 2,
      attempt: 1,
      actor: 'root',
    });
    expect(JSON.stringify(h.body)).not.toContain(cur.body.value);
  });

  it('shows schedules and due secrets, and rotates due ones in a batch', async () => {
    await s.call('POST', '/secrets/register', { body: { secret_name: 'jwt', secret_type: 'jwt_secret', rotator: 'generated' } });
    const sch = await s.call('GET', '/secrets/schedules');
    expect(sch.body.items.map((i: { secret_name: string }) => i.secret_name).sort()).toEqual(['jwt', 'openai-api-key']);
    expect(sch.body.items.find((i: { secret_name: string }) => i.secret_name === 'jwt').rotation_interval_days).toBe(180);
    expect((await s.call('GET', '/secrets/due')).body.count).toBe(0);
    clockAt.t += 40 * 86400_000; // openai (30 days) is due, jwt (180) is not
    const due = await s.call('GET', '/secrets/due');
    expect(due.body.items.map((i: { secret_name: string }) => i.secret_name)).toEqual(['openai-api-key']);
    const dry = await s.call('POST', '/secrets/rotate-due', { body: { dry_run: true } });
    expect(dry.body).toMatchObject({ dry_run: true, count: 1, secrets: ['openai-api-key'] });
    const run = await s.call('POST', '/secrets/rotate-due', { body: {} });
    expect(run.body).toMatchObject({ claimed: 1, succeeded: 1, failed: 0 });
    expect((await s.call('GET', '/secrets/due')).body.count).toBe(0);
    const h = await s.call('GET', '/secrets/history?secret_name=openai-api-key&method=automatic');
    expect(h.body.items).toHaveLength(1);
  });

  it('changes the schedule to a cron expression with a window and rejects bad schedules', async () => {
    const ok = await s.call('PUT', '/secrets/schedule', {
      body: {
        secret_name: 'jwt',
        cron: '0 3 * * *',
        timezone: 'Europe/Paris',
        window: { business_days: true, hours: { start: 2, end: 5 } },
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.cron).toBe('0 3 * * *');
    const next = new Date(ok.body.next_rotation_date);
    expect([1, 2, 3, 4, 5]).toContain(new Date(next.toLocaleString('en-US', { timeZone: 'Europe/Paris' })).getDay());
    const badCron = await s.call('PUT', '/secrets/schedule', { body: { secret_name: 'jwt', cron: '61 * * * *' } });
    expect(badCron.status).toBe(400);
    expect(badCron.body.error.code).toBe('ROTATION_SCHEDULE_INVALID');
    const noHours = await s.call('PUT', '/secrets/schedule', { body: { secret_name: 'jwt', window: { hours: { start: 4, end: 4 } } } });
    expect(noHours.body.error.code).toBe('ROTATION_SCHEDULE_INVALID');
    expect(noHours.body.error.message).toContain('no hours');
    expect((await s.call('GET', '/secrets/schedules')).body.items.find((i: { secret_name: string }) => i.secret_name === 'jwt').cron).toBe(
      '0 3 * * *',
    );
  });

  it('refuses bad registrations with clear errors and writes nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ rotator: 'oracle' }, 'ROTATOR_UNKNOWN'],
      [{ rotator: 'generated', cron: 'every tuesday' }, 'ROTATION_SCHEDULE_INVALID'],
      [
        { rotator: 'generated', generator: { kind: 'password', options: { length: 8, digits: 6, symbols: 6 } } },
        'PASSWORD_POLICY_IMPOSSIBLE',
      ],
      [{ rotator: 'postgres', rotator_config: { username: 'x' } }, 'ROTATOR_CONFIG_INVALID'],
      [{ rotator: 'generated', timezone: 'Mars/Olympus' }, 'ROTATION_SCHEDULE_INVALID'],
    ];
    for (const [extra, code] of cases) {
      const r = await s.call('POST', '/secrets/register', { body: { secret_name: 'never-made', secret_type: 'password', ...extra } });
      expect([r.status, r.body.error?.code]).toEqual([400, code]);
    }
    expect((await s.call('GET', '/v1/secrets/never-made')).status).toBe(404);
    expect(
      (await s.call('GET', '/secrets/schedules')).body.items.some((i: { secret_name: string }) => i.secret_name === 'never-made'),
    ).toBe(false);
  });

  it('emergency-rotates with a supplied value: flagged in history, events and audit, value never echoed', async () => {
    const events: Array<{ type: string }> = [];
    const off = s.app.bus.subscribe((e) => events.push(e));
    const r = await s.call('POST', '/secrets/emergency-rotate', {
      body: { secret_name: 'openai-api-key', new_value: 'new-secure-api-key-value', reason: 'leaked in a log' },
    });
    off();
    expect(r.status).toBe(200);
    expect(r.body.method).toBe('emergency');
    expect(JSON.stringify(r.body)).not.toContain('new-secure-api-key-value');
    expect((await s.call('GET', '/v1/secrets/openai-api-key')).body).toMatchObject({
      value: 'new-secure-api-key-value',
      version: r.body.new_version,
    });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['secret.rotated', 'secret.emergency_rotated']));
    const h = await s.call('GET', '/secrets/history?method=emergency');
    expect(h.body.items[0]).toMatchObject({ secret_name: 'openai-api-key', rotation_status: 'success', reason: 'leaked in a log' });
    const audit = await s.call('GET', '/v1/audit/events?action=secret.emergency_rotate&limit=10');
    const ok = (audit.body.items ?? audit.body.events ?? []).find((e: { outcome: string }) => e.outcome === 'success');
    expect(ok).toMatchObject({ resource: 'openai-api-key', version: r.body.new_version });
    expect(ok.value_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(audit.body)).not.toContain('new-secure-api-key-value');
  });

  it('bulk emergency rotation by tag: dry run lists, no confirmation is refused with the count, confirm rotates', async () => {
    for (const n of ['svc-a', 'svc-b']) await s.call('POST', '/v1/secrets', { body: { name: n, value: `v-${n}`, tags: ['payments'] } });
    // Neither is registered for rotation: by default a selector leaves them out (and says so).
    const registeredOnly = await s.call('POST', '/secrets/emergency-rotate', { body: { selector: { tag: 'payments' }, dry_run: true } });
    expect(registeredOnly.body).toMatchObject({ dry_run: true, count: 0, secrets: [], unregistered_left_out: 2 });
    const dry = await s.call('POST', '/secrets/emergency-rotate', {
      body: { selector: { tag: 'payments', include_unregistered: true }, dry_run: true },
    });
    expect(dry.body).toMatchObject({
      dry_run: true,
      count: 2,
      secrets: ['svc-a', 'svc-b'],
      items: [
        { name: 'svc-a', registered: false },
        { name: 'svc-b', registered: false },
      ],
    });
    const noConfirm = await s.call('POST', '/secrets/emergency-rotate', {
      body: { selector: { tag: 'payments', include_unregistered: true } },
    });
    expect(noConfirm.status).toBe(400);
    expect(noConfirm.body.error).toMatchObject({ code: 'ROTATION_CONFIRMATION_REQUIRED', details: { count: 2 } });
    expect((await s.call('GET', '/v1/secrets/svc-a')).body.version).toBe(1);
    const go = await s.call('POST', '/secrets/emergency-rotate', {
      body: { selector: { tag: 'payments', include_unregistered: true }, confirm: true, reason: 'incident 42' },
    });
    expect(go.body).toMatchObject({ count: 2, succeeded: 2, failed: 0 });
    const a = await s.call('GET', '/v1/secrets/svc-a');
    expect(a.body.version).toBe(2);
    expect(a.body.value).not.toBe('v-svc-a');
  });

  it("bulk emergency rotation holds a custom role's conditional denies: a selection reaching a denied secret is refused whole", async () => {
    expect(
      (
        await s.call('PUT', '/v1/policies/rotate-but-not-pci', {
          body: {
            rules: [
              { effect: 'allow', actions: ['read', 'list', 'rotate'], paths: ['**'] },
              { effect: 'deny', actions: ['rotate'], paths: ['**'], tags: ['pci'] },
            ],
          },
        })
      ).status,
    ).toBe(200);
    expect((await s.call('PUT', '/v1/roles/rotator', { body: { policies: ['rotate-but-not-pci'] } })).status).toBe(200);
    const token = (
      await s.call('POST', '/v1/tokens', { body: { name: 'bulk-rotator', role: 'rotator', kind: 'personal', ttl_seconds: 600 } })
    ).body.token;
    for (const [name, tags] of [
      ['cards/vault-key', ['cards', 'pci']],
      ['cards/cdn-key', ['cards']],
    ] as const) {
      await s.call('POST', '/v1/secrets', { body: { name, value: `v-${name}`, tags } });
      expect((await s.call('POST', '/secrets/register', { body: { secret_name: name, secret_type: 'api_key' } })).status).toBe(201);
    }
    const refused = await s.call('POST', '/secrets/emergency-rotate', { token, body: { selector: { tag: 'cards' }, confirm: true } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', details: { not_permitted: 1 } });
    expect(refused.body.error.message).toContain('"cards/vault-key"');
    expect((await s.call('GET', '/v1/secrets/cards/cdn-key')).body.version).toBe(1); // refused whole: nothing rotated
    const narrowed = await s.call('POST', '/secrets/emergency-rotate', {
      token,
      body: { selector: { prefix: 'cards/cdn' }, confirm: true },
    });
    expect(narrowed.body).toMatchObject({ count: 1, succeeded: 1 });
    // Root is not bound by the custom role's denies.
    expect((await s.call('POST', '/secrets/emergency-rotate', { body: { selector: { tag: 'cards' }, dry_run: true } })).body.count).toBe(2);
  });

  it('rolls back to the previous version as a new rotation', async () => {
    const before = await s.call('GET', '/v1/secrets/svc-b?label=previous');
    const r = await s.call('POST', '/secrets/rollback', { body: { secret_name: 'svc-b' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'success', method: 'rollback', restored_from_version: before.body.version });
    expect((await s.call('GET', '/v1/secrets/svc-b')).body).toMatchObject({ value: 'v-svc-b', version: 3 });
    const none = await s.call('POST', '/secrets/rollback', { body: { secret_name: 'jwt' } });
    expect(none.body.error.code).toBe('ROTATION_NO_PREVIOUS_VERSION');
  });

  it('unregistered secrets cannot be rotated manually; tenants are isolated', async () => {
    const r = await s.call('POST', '/secrets/rotate', { body: { secret_name: 'svc-a' } });
    expect(r.body.error.code).toBe('ROTATION_NOT_REGISTERED');
    await s.call('POST', '/v1/tenants', { tenant: null, body: { id: 'other' } });
    expect((await s.call('GET', '/secrets/schedules', { tenant: 'other' })).body.items).toEqual([]);
    expect((await s.call('GET', '/secrets/history', { tenant: 'other' })).body.items).toEqual([]);
    expect((await s.call('POST', '/secrets/rotate', { tenant: 'other', body: { secret_name: 'openai-api-key' } })).body.error.code).toBe(
      'SECRET_NOT_FOUND',
    );
  });

  it('the internal scheduler endpoint rotates due secrets and needs an admin token', async () => {
    clockAt.t += 200 * 86400_000;
    const tok = await s.call('POST', '/v1/tokens', { body: { name: 'writer', role: 'write' } });
    const denied = await s.call('POST', '/internal/scheduled-rotation', { token: tok.body.token, body: { schedule_name: 'monthly' } });
    expect(denied.status).toBe(403);
    const r = await s.call('POST', '/internal/scheduled-rotation', { body: { schedule_name: 'monthly' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ schedule_name: 'monthly', failed: 0 });
    expect(r.body.succeeded).toBeGreaterThanOrEqual(2);
  });
});
