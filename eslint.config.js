// ESLint for the whole workspace: typescript-eslint with type information (tsconfig.eslint.json covers
// src, tests and scripts), the rules for defect classes this project has had, and the local plugin in
// eslint-rules/. Formatting is Prettier's job (.prettierrc.json), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import keyhaven from './eslint-rules/index.js';

const TS = ['**/*.ts', '**/*.mts', '**/*.cts'];
const TESTS = ['**/*.test.ts', '**/test/**', 'test/**', '**/test-support/**', 'vitest.config.ts', 'packages/*/scripts/**'];

// The rules for shipped code (the packages' src folders).
const SRC_RULES = {
  // Promises neither awaited nor handled; promises where a callback's result is ignored.
  '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true, ignoreIIFE: false }],
  '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: true, attributes: false } }],
  '@typescript-eslint/await-thenable': 'error',
  '@typescript-eslint/require-await': 'off',
  // A switch over a union must name every member (or say default: deliberately).
  '@typescript-eslint/switch-exhaustiveness-check': [
    'error',
    { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
  ],
  '@typescript-eslint/no-unused-vars': [
    'error',
    { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
  ],
  '@typescript-eslint/no-unnecessary-type-assertion': 'off',
  'no-unused-vars': 'off',
  'prefer-const': 'error',
  // Shown, not failed: each remaining `any` is a place the types could say more.
  '@typescript-eslint/no-explicit-any': 'warn',
  'no-fallthrough': 'error',
  'no-self-assign': 'error',
  'no-dupe-keys': 'error',
  'no-unreachable': 'error',
  'no-cond-assign': ['error', 'except-parens'],
  // Keyhaven's own rules (eslint-rules/).
  'keyhaven/error-listener': 'error',
  'keyhaven/single-exit-code': 'error',
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      'bench/results/**',
      'bench/.tmp/**',
      // Scanner fixtures: byte-for-byte inputs of the scanner's tests, not code of ours.
      'packages/scanner/test/corpus/**',
      'packages/scanner/test/recall/**',
      'packages/scanner/test/recall2/**',
      'packages/scanner/test/recall3/**',
      'packages/scanner/test/recall4/**',
      'packages/scanner/test/fixtures/**',
      // Cases for the rules, with findings on purpose: linted by test/structure/lint-rules.test.ts.
      'test/structure/lint-fixtures/**',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
  {
    files: TS,
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, keyhaven },
    rules: SRC_RULES,
  },
  {
    // Tests and test support are linted too, with the rules that catch real mistakes in tests kept
    // (a floating promise in a test is an assertion that never runs) and the noisier ones relaxed.
    files: TESTS,
    // JavaScript under test/ (a `node --import` preload) has no typescript-eslint plugin: the block above.
    ignores: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      'keyhaven/error-listener': 'warn',
      'keyhaven/single-exit-code': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // The rule fixtures are held to the rules of shipped code.
    files: ['test/structure/lint-fixtures/**'],
    rules: SRC_RULES,
  },
);
