// Unit tests of the pure printing helpers: table alignment, env-var names and dotenv quoting.
import { describe, expect, it } from 'vitest';
import { dotenvValue, envName, renderTable, toDotenv } from './output.js';

describe('renderTable', () => {
  const rows = [
    { a: 'x', b: 'long value', c: null },
    { a: 'longer', b: 'y', c: 3 },
  ];
  const cols = [
    { header: 'A', value: (r: (typeof rows)[0]) => r.a },
    { header: 'BB', value: (r: (typeof rows)[0]) => r.b },
    { header: 'C', value: (r: (typeof rows)[0]) => r.c },
  ];

  it('pads every column to its widest cell, shows "-" for empty, and colours only the header on request', () => {
    expect(renderTable(rows, cols)).toBe('A       BB          C\nx       long value  -\nlonger  y           3\n');
    const coloured = renderTable(rows, cols, true);
    expect(coloured.split('\n')[0]).toBe('\x1b[1mA       BB          C\x1b[0m');
    expect(coloured.split('\n')[1]).toBe('x       long value  -');
  });

  it('keeps a row on one line when a cell holds newlines or tabs', () => {
    expect(renderTable([{ a: 'x\ny\tz' }], [{ header: 'A', value: (r: { a: string }) => r.a }])).toBe('A\nx y z\n');
  });
});

describe('envName and dotenv', () => {
  it('derives an env var name from the last path segment', () => {
    expect(envName('app/prod/stripe-key')).toBe('STRIPE_KEY');
    expect(envName('db.password')).toBe('DB_PASSWORD');
    expect(envName('team/2fa')).toBe('_2FA');
  });

  it('quotes only when needed and escapes what shells and dotenv parsers interpret', () => {
    expect(dotenvValue('abc-123_x.y/z')).toBe('abc-123_x.y/z');
    expect(dotenvValue('a b')).toBe('"a b"');
    expect(dotenvValue('say "hi" $USER \\ `x`')).toBe('"say \\"hi\\" \\$USER \\\\ \\`x\\`"');
    expect(dotenvValue('l1\nl2')).toBe('"l1\\nl2"');
    expect(dotenvValue(42)).toBe('42');
    expect(
      toDotenv([
        ['A', 'x'],
        ['B', ''],
      ]),
    ).toBe('A=x\nB=\n');
  });
});
