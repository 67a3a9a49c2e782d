// The console's bundle budget, read from the built files (npm run build): all JavaScript at most
// 150 KB gzip, all CSS at most 30 KB gzip, and no inline script in index.html (the server's CSP
// would block it). The measured sizes are recorded in docs/console.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
export const JS_BUDGET_GZIP = 150 * 1024;
export const CSS_BUDGET_GZIP = 30 * 1024;

const gzipped = (ext: string) => {
  const dir = path.join(DIST, 'assets');
  const files = readdirSync(dir).filter((f) => f.endsWith(ext));
  return { files, bytes: files.reduce((n, f) => n + gzipSync(readFileSync(path.join(dir, f)), { level: 9 }).length, 0) };
};

it('stays within the bundle budget', () => {
  if (!existsSync(path.join(DIST, 'index.html'))) throw new Error(`${DIST} is missing: run npm run build first.`);
  const js = gzipped('.js');
  const css = gzipped('.css');
  console.log(
    `console bundle: ${js.files.length} JS file(s) ${(js.bytes / 1024).toFixed(1)} KB gzip, ${css.files.length} CSS file(s) ${(css.bytes / 1024).toFixed(1)} KB gzip`,
  );
  expect(js.files.length).toBeGreaterThan(0);
  expect(js.bytes).toBeLessThanOrEqual(JS_BUDGET_GZIP);
  expect(css.bytes).toBeLessThanOrEqual(CSS_BUDGET_GZIP);
});

it('loads scripts and styles from files only (no inline script or style for the CSP to refuse)', () => {
  const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeGreaterThan(0);
  for (const [, attrs, body] of scripts) {
    expect(attrs).toMatch(/\bsrc="\/ui\/assets\/[^"]+\.js"/);
    expect(body.trim()).toBe('');
  }
  expect(html).not.toMatch(/<style\b|\sstyle="/);
  expect(html).not.toMatch(/\son[a-z]+=/);
});
