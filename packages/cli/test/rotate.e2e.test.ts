// End-to-end tests of the rotation commands (`keyhaven rotation register`, `rotate`, `rotate --due`,
// `rotate --emergency`, `schedule`, `schedules`, `history`, `rollback`): the built CLI against a real
// in-process server, checking outputs, JSON that parses back, exit codes and that values never leak.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cliFor, startTestServer, type TestServer } from './support/harness.js';

vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let cli: ReturnType<typeof cliFor>;
const json = (s: string) => JSON.parse(s) as Record<string, any>;
const valueOf = async (name: string) => {
  const r = await cli(['secrets', 'get', name, '--raw']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

beforeAll(async () => {
  assertBuilt();
  server = await startTestServer();
  cli = cliFor(server, server.rootToken);
});
afterAll(async () => {
  await server?.close();
});

describe('rotation register and rotate', () => {
  it('registers a missing secret with a generated value, then rotates it to a new value', async () => {
    const reg = await cli([
      'rotation',
      'register',
      'api/openai',
      '--type',
      'api_key',
      '--interval-days',
      '30',
      '--criticality',
      'high',
      '--format',
      'json',
    ]);
    expect(reg.code, reg.stderr).toBe(0);
    const r = json(reg.stdout);
    expect(r).toMatchObject({
      secret_name: 'api/openai',
      secret_created: true,
      rotator: 'generated',
      rotation_interval_days: 30,
      criticality: 'high',
    });
    const days = (Date.parse(r.next_rotation_date) - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThanOrEqual(30);
    const before = await valueOf('api/openai');
    expect(before.length).toBeGreaterThan(10);

    const rot = await cli(['rotate', 'api/openai', '--reason', 'quarterly']);
    expect(rot).toMatchObject({ code: 0, stdout: 'Rotated api/openai: version 1 → 2 (success)\n', stderr: '' });
    const after = await valueOf('api/openai');
    expect(after).not.toBe(before);
    expect(rot.stdout).not.toContain(after);

    const text = await cli(['rotation', 'register', 'api/text', '--interval-days', '7']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Registered api\/text \(generated\); next rotation .+ — secret created with a generated value\n$/);
  });

  it('rotate --due --dry-run lists what is due (a secret inside its before-expiry margin) and changes nothing', async () => {
    const nothing = await cli(['rotate', '--due', '--dry-run']);
    expect(nothing).toMatchObject({ code: 0, stdout: 'Nothing is due.\n' });
    expect((await cli(['secrets', 'set', 'cert/edge', 'v1', '--expires-at', '2d'])).code).toBe(0);
    const reg = await cli(['rotation', 'register', 'cert/edge', '--interval-days', '90', '--before-expiry-days', '7']);
    expect(reg.code, reg.stderr).toBe(0);
    const dry = await cli(['rotate', '--due', '--dry-run', '--format', 'json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(json(dry.stdout)).toEqual({ dry_run: true, count: 1, secrets: ['cert/edge'] });
    expect((await cli(['rotate', '--due', '--dry-run'])).stdout).toBe('cert/edge\n');
    expect(await valueOf('cert/edge')).toBe('v1'); // a dry run rotates nothing

    const due = await cli(['rotate', '--due', '--format', 'json']);
    expect(due.code, due.stderr).toBe(0);
    expect(json(due.stdout)).toMatchObject({
      count: 1,
      succeeded: 1,
      failed: 0,
      results: [{ secret_name: 'cert/edge', status: 'success', new_version: 2 }],
    });
    expect(await valueOf('cert/edge')).not.toBe('v1');
  });
});

describe('emergency rotation', () => {
  it('--value-stdin stores the supplied value, and neither output nor history shows it', async () => {
    await cli(['rotation', 'register', 'api/leaked', '--type', 'api_key']);
    const supplied = 'sk-live-supplied-9f8e7d6c5b4a';
    const r = await cli(['rotate', '--emergency', 'api/leaked', '--value-stdin', '--reason', 'leaked in CI log'], {
      input: `${supplied}\n`,
    });
    expect(r).toMatchObject({ code: 0, stdout: 'Emergency-rotated api/leaked: version 1 → 2 (success)\n' });
    expect(await valueOf('api/leaked')).toBe(supplied); // one trailing newline dropped
    const h = await cli(['history', 'api/leaked', '--format', 'json']);
    expect(h.code).toBe(0);
    expect(json(h.stdout)).toMatchObject([
      {
        secret_name: 'api/leaked',
        rotation_status: 'success',
        rotation_method: 'emergency',
        reason: 'leaked in CI log',
        previous_version: 1,
        new_version: 2,
      },
    ]);
    expect(h.stdout + r.stdout + r.stderr).not.toContain(supplied);
  });

  it('refuses --value-stdin without --emergency, and an empty stdin, with exit 2 and nothing rotated', async () => {
    const noEmergency = await cli(['rotate', 'api/leaked', '--value-stdin'], { input: 'x' });
    expect(noEmergency.code).toBe(2);
    expect(noEmergency.stderr).toContain('--value-stdin applies to --emergency only');
    const empty = await cli(['rotate', '--emergency', 'api/leaked', '--value-stdin'], { input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('stdin was empty');
    expect(json((await cli(['history', 'api/leaked', '--format', 'json'])).stdout)).toHaveLength(1);
  });

  it('by tag: a dry run lists the selection, no --yes off a terminal refuses, --yes rotates them all', async () => {
    for (const n of ['pay/stripe', 'pay/adyen']) {
      expect((await cli(['secrets', 'set', n, `old-${n}`, '--tag', 'payments'])).code).toBe(0);
      expect((await cli(['rotation', 'register', n, '--type', 'api_key'])).code).toBe(0); // a selector takes registered secrets
    }
    const dry = await cli(['rotate', '--emergency', '--tag', 'payments', '--dry-run', '--format', 'json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = json(dry.stdout);
    expect(plan).toMatchObject({ dry_run: true, count: 2 });
    expect([...plan.secrets].sort()).toEqual(['pay/adyen', 'pay/stripe']);
    const dryText = await cli(['rotate', '--emergency', '--tag', 'payments', '--dry-run']);
    expect(dryText.stdout).toMatch(/^2 secret\(s\) would be emergency-rotated:\n/);

    const unconfirmed = await cli(['rotate', '--emergency', '--tag', 'payments']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('pass --yes to confirm');
    expect(await valueOf('pay/stripe')).toBe('old-pay/stripe');

    const done = await cli(['rotate', '--emergency', '--tag', 'payments', '--yes', '--reason', 'processor breach', '--format', 'json']);
    expect(done.code, done.stderr).toBe(0);
    expect(json(done.stdout)).toMatchObject({ dry_run: false, count: 2, succeeded: 2, failed: 0 });
    expect(await valueOf('pay/stripe')).not.toBe('old-pay/stripe');
    expect(await valueOf('pay/adyen')).not.toBe('old-pay/adyen');
    const h = json((await cli(['history', '--method', 'emergency', '--format', 'json'])).stdout) as Array<{
      secret_name: string;
      reason: string;
    }>;
    expect(
      h
        .filter((i) => i.reason === 'processor breach')
        .map((i) => i.secret_name)
        .sort(),
    ).toEqual(['pay/adyen', 'pay/stripe']);
  });

  it('a selector with a NAME, or --due with a NAME, is a usage error (exit 2)', async () => {
    const both = await cli(['rotate', '--emergency', 'pay/stripe', '--tag', 'payments', '--yes']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    const due = await cli(['rotate', '--due', 'pay/stripe']);
    expect(due.code).toBe(2);
    const none = await cli(['rotate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Give the NAME');
  });
});

describe('schedule, schedules, history, rollback', () => {
  it('sets a cron schedule in a time zone; next rotation is that local time', async () => {
    await cli(['rotation', 'register', 'jwt/signing', '--type', 'jwt_secret']);
    const r = await cli(['schedule', 'jwt/signing', '--cron', '0 3 * * 1', '--tz', 'Europe/Paris', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const s = json(r.stdout);
    expect(s).toMatchObject({ secret_name: 'jwt/signing', cron: '0 3 * * 1', timezone: 'Europe/Paris', rotation_interval_days: null });
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(s.next_rotation_date));
    expect(local).toBe('Mon 03:00');
    expect(Date.parse(s.next_rotation_date)).toBeGreaterThan(Date.now());
    expect(Date.parse(s.next_rotation_date) - Date.now()).toBeLessThanOrEqual(7 * 86400_000);

    const list = await cli(['schedules']);
    expect(list.code).toBe(0);
    const line = list.stdout.split('\n').find((l) => l.startsWith('jwt/signing'));
    expect(line).toContain('0 3 * * 1 (Europe/Paris)');
    expect(list.stdout.split('\n')[0]).toMatch(/^SECRET\s+ROTATOR\s+EVERY\s+AUTO\s+CRITICALITY\s+NEXT\s+LAST/);
    const items = json((await cli(['schedules', '--format', 'json'])).stdout) as Array<{ secret_name: string }>;
    expect(items.map((i) => i.secret_name)).toEqual(expect.arrayContaining(['api/openai', 'jwt/signing', 'cert/edge']));

    const window = await cli([
      'schedule',
      'jwt/signing',
      '--interval-days',
      '10',
      '--business-days',
      '--hours',
      '2-5',
      '--window-tz',
      'UTC',
      '--format',
      'json',
    ]);
    expect(window.code, window.stderr).toBe(0);
    const w = json(window.stdout);
    expect(w).toMatchObject({
      cron: null,
      rotation_interval_days: 10,
      window: { business_days: true, hours: { start: 2, end: 5 }, timezone: 'UTC' },
    });
    const next = new Date(w.next_rotation_date);
    expect([1, 2, 3, 4, 5]).toContain(next.getUTCDay());
    expect(next.getUTCHours()).toBeGreaterThanOrEqual(2);
    expect(next.getUTCHours()).toBeLessThan(5);
  });

  it('refuses bad schedules: both --cron and --interval-days (exit 2), an invalid cron or zone (exit 1, ROTATION_SCHEDULE_INVALID)', async () => {
    const both = await cli(['schedule', 'jwt/signing', '--cron', '0 3 * * 1', '--interval-days', '5']);
    expect(both.code).toBe(2);
    const badCron = await cli(['schedule', 'jwt/signing', '--cron', 'every tuesday']);
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toMatch(/^Error \[ROTATION_SCHEDULE_INVALID\]: .*cron/);
    const badTz = await cli(['schedule', 'jwt/signing', '--cron', '0 3 * * 1', '--tz', 'Mars/Olympus']);
    expect(badTz.code).toBe(1);
    expect(badTz.stderr).toContain('ROTATION_SCHEDULE_INVALID');
    const hours = await cli(['schedule', 'jwt/signing', '--hours', 'night']);
    expect(hours.code).toBe(2);
    const unregistered = await cli(['schedule', 'pay/never-registered', '--interval-days', '5']);
    expect(unregistered.code).toBe(4);
    expect(unregistered.stderr).toContain('ROTATION_NOT_REGISTERED');
  });

  it('history lists attempts as a table and as JSON, filtered by secret and method', async () => {
    const t = await cli(['history', 'api/openai']);
    expect(t.code).toBe(0);
    const lines = t.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^DATE\s+SECRET\s+STATUS\s+METHOD\s+VERSIONS\s+SECONDS\s+ATTEMPT\s+ACTOR/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/api\/openai\s+success\s+manual\s+1 → 2/);
    const manual = json((await cli(['history', '--method', 'manual', '--format', 'json'])).stdout) as Array<{ rotation_method: string }>;
    expect(manual.length).toBeGreaterThanOrEqual(1);
    expect(manual.every((i) => i.rotation_method === 'manual')).toBe(true);
    const bad = await cli(['history', '--limit', 'ten']);
    expect(bad.code).toBe(2);
  });

  it('rollback restores the previous value as a new version', async () => {
    const previous = (await cli(['secrets', 'get', 'api/openai', '--version', '1', '--raw'])).stdout;
    const r = await cli(['rollback', 'api/openai', '--reason', 'new key rejected']);
    expect(r).toMatchObject({ code: 0, stdout: 'Rolled back api/openai to the value of version 1 (now version 3)\n' });
    expect(await valueOf('api/openai')).toBe(previous);
    expect(json((await cli(['history', 'api/openai', '--method', 'rollback', '--format', 'json'])).stdout)).toMatchObject([
      { rotation_status: 'success', previous_version: 2, new_version: 3 },
    ]);
  });

  it('reports server errors with their code and exit status', async () => {
    const missing = await cli(['rotate', 'no/such-secret']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^Error \[SECRET_NOT_FOUND\]: /);
    expect((await cli(['secrets', 'set', 'plain/unregistered', 'v'])).code).toBe(0);
    const unregistered = await cli(['rotate', 'plain/unregistered']);
    expect(unregistered.code).toBe(4);
    expect(unregistered.stderr).toContain('ROTATION_NOT_REGISTERED');
    const noPrevious = await cli(['rollback', 'plain/unregistered']);
    expect(noPrevious.code).toBe(1);
    expect(noPrevious.stderr).toContain('ROTATION_NO_PREVIOUS_VERSION');
    const badRotator = await cli(['rotation', 'register', 'x/y', '--rotator', 'no-such-rotator']);
    expect(badRotator.code).not.toBe(0);
    expect(badRotator.stderr).toMatch(/^Error \[\w+\]: /);
    const badJson = await cli(['rotation', 'register', 'x/y', '--config', '{nope']);
    expect(badJson.code).toBe(2);
    expect((await cli(['secrets', 'get', 'x/y'])).code).toBe(4); // nothing was created
    const unauth = await cliFor(server, 'not-a-token')(['rotate', 'api/openai']);
    expect(unauth.code).toBe(1);
    expect(unauth.stderr).toMatch(/^Error \[\w+\]/);
  });
});
