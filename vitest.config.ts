// Test runner configuration: one run covers every package; backend-sensitive suites run on SQLite
// and, when reachable (always under CI=true), on PostgreSQL.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@keyhaven/sdk': src('sdk'),
      '@keyhaven/scanner': src('scanner'),
      '@keyhaven/server': src('server'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    setupFiles: ['./test/setup/loopback-guard.ts'],
    reporters: ['default'],
  },
});
