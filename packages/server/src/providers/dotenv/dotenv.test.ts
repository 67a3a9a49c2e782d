// Runs the provider conformance suite on the dotenv provider, plus format tests (comments, order,
// quoting, multi-line values, file mode) that only a file-backed store has.
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProviderConformance } from '../../../test/support/providers/provider-conformance.js';
import { formatAssignment, parseDotenv } from './dotenv-format.js';
import { confinePath, createDotenvProvider, dotenvCapabilities } from './dotenv-provider.js';
import type { ProviderContext } from '../provider-types.js';

const allow = (...directories: string[]): ProviderContext => ({
  host: { env: { enabled: false, allow: [] }, dotenv: { enabled: true, directories } },
  protectedPaths: [],
});

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
  provider: async () => createDotenvProvider({ path: path.join(dir, '.env'), createIfMissing: true }, allow(dir)),
  unavailable: async () => createDotenvProvider({ path: path.join(dir, 'no-such-dir', '.env'), createIfMissing: true }, allow(dir)),
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
    const p = createDotenvProvider({ path: file, createIfMissing: true }, allow(d));
    expect((await p.read('A')).value).toBe('1');
    expect((await p.read('B')).value).toBe('two\nlines');
    expect((await p.read('C')).value).toBe('lit $x');
    await p.write('B', 'changed');
    await p.write('D', 'new value');
    expect(await readFile(file, 'utf8')).toBe(
      "# header comment\n\nexport A=1 # trailing\nB=changed\n\n# between\nC='lit $x'\nD='new value'\n",
    );
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await p.delete('A');
    expect(await readFile(file, 'utf8')).not.toContain('export A');
    expect(await readFile(file, 'utf8')).toContain('# header comment');
  });

  it.each(['plain', 'with space', "it's", 'a\nb', 'back\\slash', 'tick` and \' and "', 'a\\nb\nc', ' lead', 'x#y', '', 'tab\tcr\r\n'])(
    'round-trips %j through print and parse',
    (value) => {
      const parsed = parseDotenv(formatAssignment('K', value) + '\n');
      expect(parsed).toHaveLength(1);
      expect(parsed[0]).toMatchObject({ type: 'kv', key: 'K', value });
    },
  );

  it('an unterminated quote is read as a plain value, the last assignment wins', () => {
    const e = parseDotenv('A="open\nB=2\nB=3\n');
    expect(e.filter((x) => x.type === 'kv').map((x) => (x as { value: string }).value)).toEqual(['"open', '2', '3']);
  });
});

describe("dotenv confinement to the operator's directories", () => {
  it('refuses "..", absolute paths outside, and symbolic links leading out; allows files inside', async () => {
    const root = await tmp();
    const allowed = path.join(root, 'allowed');
    const outside = path.join(root, 'outside');
    await mkdir(allowed);
    await mkdir(outside);
    await writeFile(path.join(outside, 'victim.env'), 'SECRET=outside\n');
    await symlink(path.join(outside, 'victim.env'), path.join(allowed, 'link.env'));
    await symlink(outside, path.join(allowed, 'linkdir'));
    const ctx = allow(allowed);
    const forbidden = { code: 'PROVIDER_PATH_FORBIDDEN' };
    for (const p of [
      `${allowed}/../outside/victim.env`,
      '../outside/victim.env',
      path.join(outside, 'victim.env'),
      '/etc/passwd',
      path.join(allowed, 'link.env'),
      path.join(allowed, 'linkdir', 'victim.env'),
      'linkdir/new.env',
      allowed,
    ]) {
      const provider = createDotenvProvider({ path: p, createIfMissing: true }, ctx);
      await expect(provider.read('SECRET'), p).rejects.toMatchObject(forbidden);
      await expect(provider.write('INJECTED', 'x'), p).rejects.toMatchObject(forbidden);
      await expect(confinePath(p, ctx), p).rejects.toMatchObject(forbidden);
    }
    expect(await readFile(path.join(outside, 'victim.env'), 'utf8')).toBe('SECRET=outside\n');
    const ok = createDotenvProvider({ path: 'app.env', createIfMissing: true }, ctx);
    await ok.write('A', '1');
    expect(await readFile(path.join(allowed, 'app.env'), 'utf8')).toBe('A=1\n');
    const own = { ...ctx, protectedPaths: [path.join(allowed, 'keyhaven.db')] };
    await expect(confinePath('keyhaven.db', own)).rejects.toMatchObject(forbidden);
    await expect(confinePath('x.env', { ...ctx, host: { ...ctx.host, dotenv: { enabled: true, directories: [] } } })).rejects.toMatchObject(
      forbidden,
    );
  });

  it('catches a symbolic link put in place after the provider was created', async () => {
    const root = await tmp();
    const allowed = path.join(root, 'allowed');
    await mkdir(allowed);
    await writeFile(path.join(root, 'victim.env'), 'SECRET=outside\n');
    const p = createDotenvProvider({ path: path.join(allowed, 'app.env'), createIfMissing: true }, allow(allowed));
    await p.write('A', '1');
    await rm(path.join(allowed, 'app.env'));
    await symlink(path.join(root, 'victim.env'), path.join(allowed, 'app.env'));
    await expect(p.read('SECRET')).rejects.toMatchObject({ code: 'PROVIDER_PATH_FORBIDDEN' });
    await expect(p.write('B', '2')).rejects.toMatchObject({ code: 'PROVIDER_PATH_FORBIDDEN' });
    expect(await readFile(path.join(root, 'victim.env'), 'utf8')).toBe('SECRET=outside\n');
  });
});
