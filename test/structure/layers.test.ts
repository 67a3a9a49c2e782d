// The layering rules of docs/architecture.md, enforced on every import in the source tree:
// http → features → {barrier, rotation, providers, audit, jobs, events} → storage, never backwards;
// plugins never import features or http; sdk, cli and scanner never import server internals.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return f === 'node_modules' || f === 'dist' ? [] : files(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.includes('test-support') ? [p] : [];
  });
const importsOf = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2]!,
  );

const serverSrc = path.join(root, 'packages/server/src');
const area = (abs: string) => path.relative(serverSrc, abs).split(path.sep)[0]!;

/** For each server area, the areas it must never import. */
const FORBIDDEN: Record<string, string[]> = {
  storage: ['barrier', 'features', 'http', 'rotation', 'providers', 'audit', 'jobs', 'events', 'app.ts', 'start-server.ts'],
  barrier: ['features', 'http', 'rotation', 'providers', 'audit', 'app.ts'],
  rotation: ['features', 'http', 'app.ts'],
  providers: ['features', 'http', 'rotation', 'app.ts'],
  audit: ['features', 'http', 'app.ts'],
  jobs: ['features', 'http', 'app.ts'],
  events: ['features', 'http', 'app.ts'],
  lib: ['features', 'http', 'storage', 'barrier', 'rotation', 'providers', 'audit', 'app.ts'],
  config: ['features', 'http', 'storage', 'barrier', 'app.ts'],
  // operator tools (backup, restore, verify) work on the files and the services, never through HTTP
  ops: ['http', 'app.ts', 'start-server.ts'],
};

it('server layers only point one way', () => {
  const violations: string[] = [];
  for (const file of files(serverSrc)) {
    const from = area(file);
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = area(path.resolve(path.dirname(file), spec));
      if (FORBIDDEN[from]?.includes(target)) violations.push(`${path.relative(root, file)} imports ${spec}`);
      // Features reach the HTTP layer only through its pipeline types (route files).
      if (from === 'features' && target === 'http' && !spec.endsWith('pipeline-types.js'))
        violations.push(`${path.relative(root, file)} imports ${spec}`);
    }
  }
  expect(violations).toEqual([]);
});

it('sdk, cli and scanner never import server internals', () => {
  const violations: string[] = [];
  for (const pkg of ['sdk', 'cli', 'scanner']) {
    const dir = path.join(root, 'packages', pkg, 'src');
    for (const file of files(dir)) {
      for (const spec of importsOf(file)) {
        const internal =
          spec.includes('packages/server') ||
          spec.startsWith('@keyhaven/server/') ||
          (spec.startsWith('.') && !path.resolve(path.dirname(file), spec).startsWith(dir));
        const serverAtAll = spec === '@keyhaven/server' && pkg !== 'cli';
        const sdkFromScanner = pkg === 'scanner' && spec.startsWith('@keyhaven/sdk');
        if (internal || serverAtAll || sdkFromScanner) violations.push(`${path.relative(root, file)} imports ${spec}`);
      }
    }
  }
  expect(violations).toEqual([]);
});
