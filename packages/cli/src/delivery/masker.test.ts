// Unit tests of the streaming masker and the dotenv parser: every split position of a secret across
// chunks is masked, unrelated text passes unchanged, and quoted/escaped/multi-line dotenv values parse.
import { describe, expect, it } from 'vitest';
import { createMasker } from './masker.js';
import { parseDotenv } from './dotenv.js';

const run = async (values: string[], chunks: Array<string | Buffer>) => {
  const m = createMasker(values, { holdMs: 0 });
  const out: Buffer[] = [];
  m.on('data', (c: Buffer) => out.push(c));
  for (const c of chunks) m.write(typeof c === 'string' ? Buffer.from(c) : c);
  m.end();
  await new Promise((r) => m.on('end', r));
  return Buffer.concat(out).toString('utf8');
};

describe('masker', () => {
  it('masks a secret split at every position across two chunks', async () => {
    const secret = 'päss-wörd-1234';
    const text = `a ${secret} b ${secret}`;
    const bytes = Buffer.from(text);
    for (let i = 1; i < bytes.length; i++) {
      // Byte-level splits, including inside the multi-byte characters.
      expect(await run([secret], [bytes.subarray(0, i), bytes.subarray(i)])).toBe('a ***** b *****');
    }
  });

  it('masks across byte-level chunk boundaries and leaves other text untouched', async () => {
    const m = createMasker(['secret-value'], { holdMs: 0 });
    const out: Buffer[] = [];
    m.on('data', (c: Buffer) => out.push(c));
    const bytes = Buffer.from('x secret-value y sec z');
    for (const b of bytes) m.write(Buffer.from([b]));
    m.end();
    await new Promise((r) => m.on('end', r));
    expect(Buffer.concat(out).toString()).toBe('x ***** y sec z');
  });

  it('prefers the longest of overlapping secrets and ignores very short values', async () => {
    expect(await run(['abcd', 'abcdefgh', 'ab'], ['abcdefgh abcd ab'])).toBe('***** ***** ab');
  });
});

describe('parseDotenv', () => {
  it('parses comments, export, quotes, escapes and multi-line values', () => {
    const text = [
      '# comment',
      'export A=1',
      "B='single $X \\n'",
      'C="double\\nline \\"q\\""',
      'D=plain value # trailing',
      'E="multi',
      'line"',
      'F=',
      '',
    ].join('\n');
    expect(parseDotenv(text)).toEqual([
      ['A', '1'],
      ['B', 'single $X \\n'],
      ['C', 'double\nline "q"'],
      ['D', 'plain value'],
      ['E', 'multi\nline'],
      ['F', ''],
    ]);
  });
  it('names the line of a malformed entry without echoing it', () => {
    expect(() => parseDotenv('A=1\nnot a pair s3cr3t\n', 'x.env')).toThrow(/x\.env:2/);
    expect(() => parseDotenv('A=1\nnot a pair s3cr3t\n', 'x.env')).not.toThrow(/s3cr3t/);
  });
});
