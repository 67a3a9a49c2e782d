// Pure schedule arithmetic: when a registered secret is next due (interval in days or a cron
// expression with a time zone, pulled earlier by an expiry, pushed into the allowed rotation window),
// and validation of schedules that reports every problem at once.
import { Cron } from 'croner';
import { fail } from '../../lib/errors.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface RotationWindow {
  /** Allowed days; `business_days` = Monday to Friday. Default: every day. */
  days?: Weekday[];
  business_days?: boolean;
  /** Allowed local hours [start, end) in 0..24, e.g. {start: 2, end: 5}; end < start wraps midnight. */
  hours?: { start: number; end: number };
  timezone?: string;
}

export interface ScheduleSpec {
  interval_days?: number | null;
  cron?: string | null;
  timezone: string;
  window?: RotationWindow | null;
  expires_at?: string | null;
  rotate_before_expiry_days?: number | null;
}

interface Problem {
  path: string;
  message: string;
}

const validTimezone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Every problem of a schedule; throws ROTATION_SCHEDULE_INVALID when there is any. */
export const validateSchedule = (s: ScheduleSpec): void => {
  const problems: Problem[] = [];
  if (s.interval_days != null && s.cron) problems.push({ path: 'cron', message: 'give either rotation_interval_days or cron, not both' });
  if (!validTimezone(s.timezone)) problems.push({ path: 'timezone', message: 'unknown IANA time zone (e.g. "UTC", "Europe/Paris")' });
  if (s.cron) {
    try {
      new Cron(s.cron, { timezone: validTimezone(s.timezone) ? s.timezone : 'UTC', paused: true });
    } catch (e) {
      problems.push({
        path: 'cron',
        message: `invalid cron expression: ${(e as Error).message.replace(/^CronPattern: /, '').slice(0, 160)}`,
      });
    }
  }
  const w = s.window;
  if (w) {
    if (w.days && w.days.length === 0) problems.push({ path: 'window.days', message: 'the window allows no day; list at least one' });
    if (w.business_days && w.days && !w.days.some((d) => d !== 'sat' && d !== 'sun'))
      problems.push({ path: 'window.days', message: 'business_days with only weekend days leaves no day' });
    if (w.hours && w.hours.start === w.hours.end)
      problems.push({ path: 'window.hours', message: 'the window has no hours (start equals end)' });
    if (w.timezone && !validTimezone(w.timezone)) problems.push({ path: 'window.timezone', message: 'unknown IANA time zone' });
  }
  if (problems.length) {
    throw fail(
      'ROTATION_SCHEDULE_INVALID',
      `The rotation schedule is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}.`,
      problems,
    );
  }
};

const localParts = (d: Date, tz: string): { day: Weekday; hour: number } => {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: 'numeric', hourCycle: 'h23' }).formatToParts(d);
  const day = parts
    .find((p) => p.type === 'weekday')!
    .value.toLowerCase()
    .slice(0, 3) as Weekday;
  const hour = Number(parts.find((p) => p.type === 'hour')!.value) % 24;
  return { day, hour };
};

/** Whether an instant falls inside the window. */
export const inWindow = (d: Date, w: RotationWindow | null | undefined, fallbackTz: string): boolean => {
  if (!w) return true;
  const { day, hour } = localParts(d, w.timezone ?? fallbackTz);
  if (w.business_days && (day === 'sat' || day === 'sun')) return false;
  if (w.days && !w.days.includes(day)) return false;
  if (w.hours) {
    const { start, end } = w.hours;
    const ok = start < end ? hour >= start && hour < end : hour >= start || hour < end;
    if (!ok) return false;
  }
  return true;
};

/** The first instant at or after `d` inside the window (hour steps, at most 15 days ahead). */
export const fitWindow = (d: Date, w: RotationWindow | null | undefined, fallbackTz: string): Date => {
  if (inWindow(d, w, fallbackTz)) return d;
  const t = new Date(d);
  t.setUTCMinutes(0, 0, 0);
  for (let i = 0; i < 24 * 15; i++) {
    t.setTime(t.getTime() + 3600_000);
    if (inWindow(t, w, fallbackTz)) return new Date(t);
  }
  return d; // validated windows always match within a week; never lose the schedule
};

/** When the secret is next due, counted from `from` (its last rotation or registration). */
export const nextRotationAt = (s: ScheduleSpec, from: Date, defaultIntervalDays: number): Date => {
  let next: Date;
  if (s.cron) {
    next =
      new Cron(s.cron, { timezone: s.timezone, paused: true }).nextRun(from) ?? new Date(from.getTime() + defaultIntervalDays * 86400_000);
  } else {
    next = new Date(from.getTime() + (s.interval_days ?? defaultIntervalDays) * 86400_000);
  }
  if (s.expires_at && s.rotate_before_expiry_days != null) {
    const beforeExpiry = new Date(Date.parse(s.expires_at) - s.rotate_before_expiry_days * 86400_000);
    if (beforeExpiry < next) next = beforeExpiry < from ? from : beforeExpiry;
  }
  return fitWindow(next, s.window, s.timezone);
};
