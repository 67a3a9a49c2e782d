// Runs the provider conformance suite on the dotenv provider, plus format tests (comments, order,
// quoting, multi-line values, file mode) that only a file-backed store has.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProviderConformance } from '../conformance/provider-conformance.js';
import { formatAssignment, parseDotenv } from './dotenv-format.js';
import { createDotenvProvider, dotenvCapabilities } from './dotenv-provider.js';

const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'kh-dotenv-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

let dir = '';
runProviderConformance('dotenv', {
  capabilities: dotenvCapabilities,
  start: async () => {
    dir = await tmp();
  },
  provider: async () => createDotenvProvider({ path: path.join(dir, '.env'), createIfMissing: true }),
  unavailable: async () => createDotenvProvider({ path: path.join(dir, 'no-such-dir', '.env'), createIfMissing: true }),
  name: (parts) => parts.join('_').toUpperCase(),
  skip: {
    tags: 'a .env file has no place for tags or descriptions',
    'bad-credential': 'a local file has no credential',
  },
});

describe('dotenv format', () => {
  it('keeps comments, blank lines, order and untouched lines when a key changes', async () => {
    const d = await tmp();
    const file = path.join(d, '.env');
    const original = '# header comment\n\nexport A=1 # trailing\nB="two\nlines"\n\n# between\nC=\'lit $x\'\n';
    await writeFile(file, original);
    const p = createDotenvProvider({ path: file, createIfMissing: true });
    expect((await p.read('A')).value).toBe('1');
    expect((await p.read('B')).value).toBe('two\nlines');
    expect((await p.read('C')).value).toBe('lit $x');
    await p.write('B', 'changed');
    await p.write('D', 'new value');
    expect(await readFile(file, 'utf8')).toBe("# header comment\n\nexport A=1 # trailing\nB=changed\n\n# between\nC='lit $x'\nD='new value'\n");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await p.delete('A');
    expect(await readFile(file, 'utf8')).not.toContain('export A');
    expect(await readFile(file, 'utf8')).toContain('# header comment');
  });

  it.each([
    'plain', 'with space', "it's", 'a\nb', 'back\\slash', 'tick` and \' and "', 'a\\nb\nc', ' lead', 'x#y', '', 'tab\tcr\r\n',
  ])('round-trips %j through print and parse', (value) => {
    const parsed = parseDotenv(formatAssignment('K', value) + '\n');
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ type: 'kv', key: 'K', value });
  });

  it('an unterminated quote is read as a plain value, the last assignment wins', () => {
    const e = parseDotenv('A="open\nB=2\nB=3\n');
    expect(e.filter((x) => x.type === 'kv').map((x) => (x as { value: string }).value)).toEqual(['"open', '2', '3']);
  });
});
