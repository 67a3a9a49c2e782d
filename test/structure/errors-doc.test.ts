// docs/errors.md lists exactly the codes of the catalogue, with their statuses and messages.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { parseCatalogue, renderErrorsDoc } from '../../scripts/errors-doc.mjs';
import { ERRORS } from '../../packages/server/src/lib/errors.js';

it('docs/errors.md is generated from the current catalogue', () => {
  const src = readFileSync(new URL('../../packages/server/src/lib/errors.ts', import.meta.url), 'utf8');
  const parsed = parseCatalogue(src) as Array<{ code: string; status: number }>;
  expect(parsed.map((p) => p.code).sort()).toEqual(Object.keys(ERRORS).sort());
  for (const p of parsed) expect(p.status).toBe(ERRORS[p.code as keyof typeof ERRORS].status);
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  expect(doc, 'run `node scripts/gen-errors-doc.mjs` to regenerate docs/errors.md').toBe(renderErrorsDoc(src));
});
