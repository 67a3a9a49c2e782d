// docs/cli-reference.md is the built CLI's own help for every command: regenerate it with
// `npm run docs:cli` after changing a command, an option or an example.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { renderCliReference } from '../../scripts/cli-doc.mjs';

it('docs/cli-reference.md matches the built CLI (npm run docs:cli regenerates it)', () => {
  const doc = readFileSync(new URL('../../docs/cli-reference.md', import.meta.url), 'utf8');
  const rendered = (renderCliReference() as string) + '\n';
  expect(rendered).toMatch(/## `keyhaven rotate`/);
  expect(rendered).toMatch(/#### `keyhaven secrets get`|### `keyhaven secrets get`/);
  expect(doc).toBe(rendered);
});
