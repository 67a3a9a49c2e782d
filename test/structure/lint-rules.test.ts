// The lint rules this project relies on really fire: each fixture in lint-fixtures/ marks the lines a
// rule must report ("// ✗ <rule>"), linted with the workspace's own eslint.config.js (type-aware).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const fixtures = path.join(__dirname, 'lint-fixtures');
// The workspace's config, with a small program for type information (the fixtures and what they import).
const eslint = new ESLint({
  cwd: root,
  ignore: false,
  overrideConfig: {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: path.join(fixtures, 'tsconfig.json'), tsconfigRootDir: root } },
  },
});

it.each(readdirSync(fixtures).filter((f) => f.endsWith('.ts')))(
  '%s: the marked lines, and only those, are reported',
  async (name) => {
    const file = path.join(fixtures, name);
    const expected = readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => [...line.matchAll(/\/\/ ✗ ([@\w/-]+)$/g)].map((m) => `${i + 1} ${m[1]}`));
    expect(expected.length).toBeGreaterThan(0);
    const rules = new Set(expected.map((e) => e.split(' ')[1]));
    const [result] = await eslint.lintFiles([file]);
    const fatal = result!.messages.filter((m) => m.fatal || !m.ruleId);
    expect(fatal.map((m) => m.message)).toEqual([]);
    const got = result!.messages.filter((m) => rules.has(m.ruleId!)).map((m) => `${m.line} ${m.ruleId}`);
    expect(got.sort()).toEqual(expected.sort());
  },
  120_000,
);

it('the exit-code rule leaves the CLI entry points alone', async () => {
  const [result] = await eslint.lintFiles([path.join(root, 'packages/cli/src/run.ts'), path.join(root, 'packages/cli/src/exit-code.ts')]);
  expect(result!.messages.filter((m) => m.ruleId === 'keyhaven/single-exit-code')).toEqual([]);
}, 120_000);
