// packages/console/src/api-types.ts is generated from the built server's OpenAPI document: regenerate
// it with `npm run openapi:types` after changing a route or a documented response.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { renderApiTypes, TYPES_FILE } from '../../scripts/openapi-types.mjs';

it('packages/console/src/api-types.ts matches the OpenAPI document (npm run openapi:types regenerates it)', async () => {
  const rendered = (await renderApiTypes()) as string;
  expect(rendered).toMatch(/'secrets\.describe': \{/);
  expect(rendered).toMatch(/SecretDetail: \{/);
  expect(readFileSync(TYPES_FILE as string, 'utf8')).toBe(rendered);
});
