// Unit tests of the schedule arithmetic (pure functions, fixed instants): next rotation from an
// interval, from a cron expression in a time zone (across a DST change), pulled earlier by an expiry,
// pushed into a rotation window (business days, maintenance hours, wrapping midnight); validation.
import { describe, expect, it } from 'vitest';
import { fitWindow, inWindow, nextRotationAt, validateSchedule, type ScheduleSpec } from '../../src/rotation/engine/schedule.js';
import { KeyhavenError } from '../../src/lib/errors.js';

const at = (iso: string) => new Date(iso);
const next = (s: Partial<ScheduleSpec>, from: string, dflt = 90) => nextRotationAt({ timezone: 'UTC', ...s }, at(from), dflt).toISOString();

describe('next rotation from an interval', () => {
  it('adds the interval in days to the last rotation, keeping the time of day', () => {
    expect(next({ interval_days: 30 }, '2026-03-02T10:00:00.000Z')).toBe('2026-04-01T10:00:00.000Z');
    expect(next({ interval_days: 1 }, '2026-12-31T23:59:00.000Z')).toBe('2027-01-01T23:59:00.000Z');
  });
  it('uses the default interval of the secret type when none is set', () => {
    expect(next({ interval_days: null }, '2026-01-01T00:00:00.000Z', 180)).toBe('2026-06-30T00:00:00.000Z');
    expect(next({}, '2026-01-01T00:00:00.000Z', 30)).toBe('2026-01-31T00:00:00.000Z');
  });
});

describe('next rotation from a cron expression with a time zone', () => {
  it('fires at the local time of the zone, before and after a daylight-saving change', () => {
    // Monday 03:00 in Paris: UTC+1 in winter, UTC+2 from Sunday 29 March 2026.
    expect(next({ cron: '0 3 * * 1', timezone: 'Europe/Paris' }, '2026-03-18T12:00:00.000Z')).toBe('2026-03-23T02:00:00.000Z');
    expect(next({ cron: '0 3 * * 1', timezone: 'Europe/Paris' }, '2026-03-25T12:00:00.000Z')).toBe('2026-03-30T01:00:00.000Z');
    expect(next({ cron: '30 9 * * *', timezone: 'America/New_York' }, '2026-01-10T20:00:00.000Z')).toBe('2026-01-11T14:30:00.000Z');
  });
  it('is strictly after `from`, and the same expression in UTC differs from the zoned one', () => {
    expect(next({ cron: '0 3 * * 1', timezone: 'Europe/Paris' }, '2026-03-23T02:00:00.000Z')).toBe('2026-03-30T01:00:00.000Z');
    expect(next({ cron: '0 3 * * 1', timezone: 'UTC' }, '2026-03-18T12:00:00.000Z')).toBe('2026-03-23T03:00:00.000Z');
    expect(next({ cron: '0 2 1 * *', timezone: 'UTC' }, '2026-01-15T00:00:00.000Z')).toBe('2026-02-01T02:00:00.000Z');
  });
});

describe('rotation before expiry', () => {
  const expiring = { interval_days: 90, expires_at: '2026-04-10T00:00:00.000Z', rotate_before_expiry_days: 14 };
  it('pulls the rotation to `days` before the expiry when that comes first', () => {
    expect(next(expiring, '2026-03-01T00:00:00.000Z')).toBe('2026-03-27T00:00:00.000Z');
  });
  it('is due at once when already inside the margin, and ignored when the interval comes first', () => {
    expect(next(expiring, '2026-04-01T08:00:00.000Z')).toBe('2026-04-01T08:00:00.000Z');
    expect(next({ ...expiring, interval_days: 7 }, '2026-03-01T00:00:00.000Z')).toBe('2026-03-08T00:00:00.000Z');
    expect(next({ ...expiring, rotate_before_expiry_days: null }, '2026-03-01T00:00:00.000Z')).toBe('2026-05-30T00:00:00.000Z');
  });
});

describe('rotation window', () => {
  it('business days: a Saturday moves to the start of Monday; a weekday stays', () => {
    // Friday 6 March 2026 + 1 day = Saturday.
    expect(next({ interval_days: 1, window: { business_days: true } }, '2026-03-06T10:00:00.000Z')).toBe('2026-03-09T00:00:00.000Z');
    expect(next({ interval_days: 1, window: { business_days: true } }, '2026-03-04T10:15:00.000Z')).toBe('2026-03-05T10:15:00.000Z');
  });
  it('maintenance hours in the window time zone: the next allowed local hour', () => {
    // 12:00 UTC = 13:00 in Paris (winter) → 02:00 Paris next day = 01:00 UTC.
    expect(next({ interval_days: 1, window: { hours: { start: 2, end: 5 }, timezone: 'Europe/Paris' } }, '2026-03-09T12:00:00.000Z')).toBe(
      '2026-03-11T01:00:00.000Z',
    );
    // Inside the hours: unchanged.
    expect(next({ interval_days: 1, window: { hours: { start: 2, end: 5 }, timezone: 'Europe/Paris' } }, '2026-03-09T02:30:00.000Z')).toBe(
      '2026-03-10T02:30:00.000Z',
    );
  });
  it('hours that wrap midnight, and days combined with hours', () => {
    const night = { hours: { start: 22, end: 2 } };
    expect(inWindow(at('2026-03-10T23:00:00Z'), night, 'UTC')).toBe(true);
    expect(inWindow(at('2026-03-10T01:59:00Z'), night, 'UTC')).toBe(true);
    expect(inWindow(at('2026-03-10T02:00:00Z'), night, 'UTC')).toBe(false);
    expect(inWindow(at('2026-03-10T21:59:00Z'), night, 'UTC')).toBe(false);
    expect(fitWindow(at('2026-03-10T12:34:00Z'), night, 'UTC').toISOString()).toBe('2026-03-10T22:00:00.000Z');
    // Thursday + 1 day = Friday 06:00, outside 02–05; Saturday and Sunday are not business days → Monday 02:00.
    expect(next({ interval_days: 1, window: { business_days: true, hours: { start: 2, end: 5 } } }, '2026-03-05T06:00:00.000Z')).toBe(
      '2026-03-09T02:00:00.000Z',
    );
    expect(next({ interval_days: 1, window: { days: ['wed'] } }, '2026-03-05T06:00:00.000Z')).toBe('2026-03-11T00:00:00.000Z');
  });
  it('the window applies to cron and to the before-expiry date too', () => {
    // Cron fires Sunday 12:00 UTC; business days push it to Monday 00:00.
    expect(next({ cron: '0 12 * * 0', window: { business_days: true } }, '2026-03-04T00:00:00.000Z')).toBe('2026-03-09T00:00:00.000Z');
    expect(
      next(
        { interval_days: 90, expires_at: '2026-03-22T12:00:00.000Z', rotate_before_expiry_days: 0, window: { business_days: true } },
        '2026-03-01T00:00:00.000Z',
      ),
    ).toBe('2026-03-23T00:00:00.000Z');
  });
  it('without a window every instant is allowed', () => {
    expect(inWindow(at('2026-03-08T03:00:00Z'), null, 'UTC')).toBe(true);
    expect(fitWindow(at('2026-03-08T03:17:00Z'), undefined, 'UTC').toISOString()).toBe('2026-03-08T03:17:00.000Z');
  });
});

describe('validateSchedule', () => {
  it('accepts a plain interval and a zoned cron', () => {
    expect(() => validateSchedule({ interval_days: 30, timezone: 'UTC' })).not.toThrow();
    expect(() =>
      validateSchedule({ cron: '0 3 * * 1', timezone: 'Asia/Tokyo', window: { business_days: true, hours: { start: 22, end: 2 } } }),
    ).not.toThrow();
  });
  it('lists every problem at once with ROTATION_SCHEDULE_INVALID', () => {
    let err: unknown;
    try {
      validateSchedule({
        interval_days: 5,
        cron: 'every tuesday',
        timezone: 'Mars/Olympus',
        window: { days: [], hours: { start: 3, end: 3 }, timezone: 'Nowhere/City' },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KeyhavenError);
    expect((err as KeyhavenError).code).toBe('ROTATION_SCHEDULE_INVALID');
    const paths = ((err as KeyhavenError).details as Array<{ path: string }>).map((p) => p.path).sort();
    expect(paths).toEqual(['cron', 'cron', 'timezone', 'window.days', 'window.hours', 'window.timezone']);
  });
  it('refuses business days restricted to weekend days', () => {
    expect(() => validateSchedule({ interval_days: 1, timezone: 'UTC', window: { business_days: true, days: ['sat', 'sun'] } })).toThrow(
      /business_days with only weekend days/,
    );
  });
});
