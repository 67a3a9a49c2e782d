// Unit tests of flag parsers: durations, integers, pairs and expiry times, and that their errors
// never echo a value that could be secret.
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseDuration, parseExpiry, parsePair, parsePositiveInt, parseVersionList } from './parse.js';

describe('flag parsers', () => {
  it('reads durations in seconds and with units', () => {
    expect(parseDuration('--ttl', '3600')).toBe(3600);
    expect(parseDuration('--ttl', '15m')).toBe(900);
    expect(parseDuration('--ttl', '24h')).toBe(86400);
    expect(parseDuration('--ttl', '30d')).toBe(30 * 86400);
    for (const bad of ['0', '-5', '1.5h', 'soon', '', '10x']) expect(() => parseDuration('--ttl', bad)).toThrow(UsageError);
  });

  it('reads whole numbers and version lists', () => {
    expect(parsePositiveInt('--cas', '0', 0)).toBe(0);
    expect(() => parsePositiveInt('--limit', '0')).toThrow(/at least 1/);
    expect(() => parsePositiveInt('--limit', '2x')).toThrow(UsageError);
    expect(parseVersionList('--versions', '1, 2,5')).toEqual([1, 2, 5]);
    expect(() => parseVersionList('--versions', '1,a')).toThrow(UsageError);
  });

  it('splits key=value at the first "=" and does not echo a malformed pair', () => {
    expect(parsePair('--field', 'url=postgres://u:p@h/db?a=b')).toEqual(['url', 'postgres://u:p@h/db?a=b']);
    expect(parsePair('--field', 'empty=')).toEqual(['empty', '']);
    expect(() => parsePair('--field', 's3cr3t-without-key')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') }),
    );
    expect(() => parsePair('--field', '=v')).toThrow(UsageError);
  });

  it('turns a relative expiry into an RFC 3339 time and keeps absolute ones', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseExpiry('--expires-at', '90d', now)).toBe('2030-04-01T00:00:00.000Z');
    expect(parseExpiry('--expires-at', '2031-05-06T07:08:09Z', now)).toBe('2031-05-06T07:08:09Z');
    expect(() => parseExpiry('--expires-at', 'next tuesday', now)).toThrow(UsageError);
  });
});
