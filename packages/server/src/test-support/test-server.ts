// Moved to packages/server/test/support/test-server.ts (test-only code lives outside src/). This re-export keeps
// tests written against the old path working until they are updated; tsconfig excludes it from dist.
export * from '../../test/support/test-server.js';
