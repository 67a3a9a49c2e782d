// Small parsers for flag values (durations, integers, key=value pairs, version lists). They throw
// UsageError with messages that name the flag but never echo values that could be secrets.
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365 * 86400 };

/** `3600`, `90s`, `15m`, `24h`, `30d`, `2w`, `1y` → seconds. */
export const parseDuration = (flag: string, raw: string): number => {
  const m = /^(\d+)\s*([smhdwy]?)$/.exec(raw.trim());
  const seconds = m ? Number(m[1]) * UNITS[m[2] || 's'] : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new UsageError(`${flag} must be a positive duration such as 3600, 15m, 24h, 30d or 1y (got "${raw}").`);
  }
  return seconds;
};

export const parsePositiveInt = (flag: string, raw: string, min = 1): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${flag} must be a whole number of at least ${min} (got "${raw}").`);
  }
  return n;
};

/** `k=v` → [k, v]; the value is never quoted back in the error, it may be secret. */
export const parsePair = (flag: string, raw: string): [string, string] => {
  const i = raw.indexOf('=');
  if (i <= 0) throw new UsageError(`${flag} expects key=value with a non-empty key.`);
  return [raw.slice(0, i), raw.slice(i + 1)];
};

/** `1,2,5` → [1, 2, 5]. */
export const parseVersionList = (flag: string, raw: string): number[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parsePositiveInt(flag, s));

/** An RFC 3339 timestamp as given, or a duration from now (`30d`) turned into one. */
export const parseExpiry = (flag: string, raw: string, now = Date.now()): string => {
  if (/^\d+\s*[smhdwy]$/.test(raw.trim())) return new Date(now + parseDuration(flag, raw) * 1000).toISOString();
  if (Number.isNaN(Date.parse(raw)))
    throw new UsageError(`${flag} must be an RFC 3339 time such as 2030-01-01T00:00:00Z, or a duration such as 90d.`);
  return raw;
};

/** commander argParser for repeatable options. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];
