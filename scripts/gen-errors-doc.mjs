#!/usr/bin/env node
// Regenerates the catalogue table of docs/errors.md from packages/server/src/lib/errors.ts
// (run after adding a code: `node scripts/gen-errors-doc.mjs`); a test fails when they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderErrorsDoc } from './errors-doc.mjs';

const src = readFileSync(new URL('../packages/server/src/lib/errors.ts', import.meta.url), 'utf8');
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc(src));
console.log('docs/errors.md written');
