// Vitest config for running the provider conformance suite against REAL clouds (test-only): the same
// tests, without the repo's loopback guard, which would otherwise (rightly) stop any off-machine call.
// Usage: KEYHAVEN_TEST_AWS_REAL=1 AWS_REGION=... npx vitest run -c packages/server/test/support/providers/vitest.real-cloud.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../../../../', import.meta.url)),
  test: {
    include: ['packages/server/src/providers/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: [],
  },
});
