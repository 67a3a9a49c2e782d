// Serves the built web console (packages/console/dist) at /ui/: files read once at start, gzip when
// the browser takes it, hashed assets cached for a year, index.html revalidated, any other /ui/ path
// without a file extension answered with index.html (client-side routes). A strict Content Security
// Policy: scripts, styles and connections from this origin only, no framing.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { App } from '../../http/pipeline-types.js';
import { fail } from '../../lib/errors.js';

export const CONSOLE_PREFIX = '/ui/';
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Where the console's build lands, seen from this file in src/ or dist/ of the server package. */
export const defaultConsoleDir = () => fileURLToPath(new URL('../../../../console/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface StaticFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  immutable: boolean;
}

const walk = (dir: string, base = dir): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p, base) : [path.relative(base, p).split(path.sep).join('/')];
  });

/** The console's files, or null when it was not built. */
export const loadConsoleFiles = (dir: string): Map<string, StaticFile> | null => {
  if (!existsSync(path.join(dir, 'index.html'))) return null;
  const files = new Map<string, StaticFile>();
  for (const rel of walk(dir)) {
    const body = readFileSync(path.join(dir, rel));
    const type = TYPES[path.extname(rel)] ?? 'application/octet-stream';
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 512;
    files.set(rel, {
      body,
      type,
      gzip: compressible ? gzipSync(body, { level: 9 }) : null,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      // Vite names built assets by content hash: they never change under one name.
      immutable: rel.startsWith('assets/'),
    });
  }
  return files;
};

export const consoleStaticRoutes = (files: Map<string, StaticFile> | null) => (app: App) => {
  const config = { access: { public: true as const } };
  const schema = { hide: true };
  app.get('/', { config, schema }, async (_req, reply) => reply.redirect(CONSOLE_PREFIX, 302));
  app.get('/ui', { config, schema }, async (_req, reply) => reply.redirect(CONSOLE_PREFIX, 301));
  app.get('/ui/*', { config, schema }, async (req, reply) => {
    if (!files)
      throw fail(
        'ROUTE_NOT_FOUND',
        'The web console is not built on this server: run `npm run build` (it builds packages/console), or set console.dir.',
      );
    const rel = (req.params as { '*': string })['*'];
    let file = files.get(rel);
    if (!file) {
      // Client-side routes (/ui/secrets/app/db) get the app; a missing asset stays a 404.
      if (/\.[A-Za-z0-9]{1,8}$/.test(rel)) throw fail('ROUTE_NOT_FOUND', `The console has no file ${rel.slice(0, 128)}.`);
      file = files.get('index.html')!;
    }
    reply.header('content-security-policy', CONSOLE_CSP);
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('etag', file.etag);
    reply.header('vary', 'accept-encoding');
    reply.type(file.type);
    if (req.headers['if-none-match'] === file.etag) return reply.code(304).send();
    const accepts = String(req.headers['accept-encoding'] ?? '');
    if (file.gzip && /\bgzip\b/.test(accepts)) {
      reply.header('content-encoding', 'gzip');
      return reply.send(file.gzip);
    }
    return reply.send(file.body);
  });
};
