// The published packages carry no test-only code: no tests, fakes, fake servers, conformance suites or
// test support, neither in what tsc compiles into dist/ nor in what `npm pack` would publish.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const PACKAGES = ['sdk', 'scanner', 'server', 'cli'];
/** A path that names test-only code. */
const TEST_ONLY = /(^|\/)(test|tests|test-support|__tests__|fixtures)\/|\.test\.|(^|\/)fake[-_.]|[-_/]fakes?\.|conformance|vitest/i;

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });

it('the pattern recognises the names of test-only code (and not shipped code)', () => {
  for (const p of [
    'dist/providers/conformance/provider-conformance.js',
    'dist/test-support/backends.js',
    'dist/providers/fake-vault.d.ts',
    'dist/barrier.test.js',
    'test/support/x.js',
  ])
    expect(p).toMatch(TEST_ONLY);
  for (const p of [
    'dist/providers/vault/vault.js',
    'dist/index.d.ts',
    'bin/keyhaven.js',
    'dist/rotation/rotators/shared/credential-rotator.js',
  ])
    expect(p).not.toMatch(TEST_ONLY);
});

it.each(PACKAGES)(
  'tsc compiles no test-only source into %s/dist',
  (pkg) => {
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    const out = execFileSync(process.execPath, [tsc, '-p', `packages/${pkg}/tsconfig.json`, '--listFilesOnly'], {
      cwd: root,
      encoding: 'utf8',
    });
    const own = out
      .split('\n')
      .map((l) => path.relative(path.join(root, 'packages', pkg), l.trim()))
      .filter((l) => l.startsWith('src/'));
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((f) => TEST_ONLY.test(f))).toEqual([]);
  },
  120_000,
);

it.each(PACKAGES)('the built %s/dist holds no test-only file', (pkg) => {
  const dist = path.join(root, 'packages', pkg, 'dist');
  expect(existsSync(dist), `${pkg} is not built: run npm run build`).toBe(true);
  const files = walk(dist).map((f) => path.relative(dist, f));
  expect(files.length).toBeGreaterThan(0);
  // A dist/ built before test code moved out of src/ may keep old files: `rm -rf packages/*/dist && npm run build`.
  expect(files.filter((f) => TEST_ONLY.test(f))).toEqual([]);
});

it.each(PACKAGES)(
  'npm pack of %s publishes dist only, with no test-only file',
  (pkg) => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: path.join(root, 'packages', pkg),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toContain('package.json');
    expect(files.some((f) => f.startsWith('dist/') && f.endsWith('index.js'))).toBe(true);
    expect(
      files.filter((f) => !f.startsWith('dist/') && !f.startsWith('bin/') && !/^(package\.json|README(\.md)?|LICENSE.*)$/i.test(f)),
    ).toEqual([]);
    expect(files.filter((f) => TEST_ONLY.test(f))).toEqual([]);
  },
  60_000,
);
