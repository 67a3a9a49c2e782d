// Optional TLS on the listener: with cert and key files configured, the server speaks HTTPS (and
// sends HSTS); a client that trusts the certificate reads a secret, a plain-HTTP client gets nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer } from '../../src/start-server.js';
import { generateValue } from '../../src/rotation/generators/registry.js';

const get = (url: string, ca: string, headers: Record<string, string>) =>
  new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    https
      .get(url, { ca, headers }, (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });

describe('TLS listener', () => {
  vi.setConfig({ testTimeout: 60_000 });
  it('serves HTTPS with the configured certificate and refuses plain HTTP', async () => {
    const cert = (await generateValue('tls_certificate', {
      common_name: 'localhost',
      sans: ['localhost', '127.0.0.1'],
      validity_days: 2,
    })) as Record<string, string>;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-tls-'));
    writeFileSync(path.join(dir, 'cert.pem'), cert.certificate);
    writeFileSync(path.join(dir, 'key.pem'), cert.private_key, { mode: 0o600 });
    const config = loadConfig({
      env: { KEYHAVEN_TLS_CERT_FILE: path.join(dir, 'cert.pem'), KEYHAVEN_TLS_KEY_FILE: path.join(dir, 'key.pem') },
      flags: { dataDir: path.join(dir, 'data'), listen: '127.0.0.1:0', logLevel: 'silent', masterKey: randomBytes(32).toString('base64') },
    });
    const server = await startServer(config, { print: () => {} });
    try {
      expect(server.url.startsWith('https://127.0.0.1:')).toBe(true);
      const headers = { authorization: `Bearer ${server.rootToken}`, 'x-tenant-id': 'default' };
      await server.app.services.secrets.write({ tenant: 'default', actor: { tokenId: 't', name: 't' } }, 'tls/probe', 'over-tls', {
        create: true,
      });
      const r = await get(`${server.url}/v1/secrets/tls/probe`, cert.certificate, headers);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).value).toBe('over-tls');
      expect(r.headers['strict-transport-security']).toContain('max-age=');
      const plain = await new Promise<string>((resolve) => {
        http
          .get(server.url.replace('https:', 'http:') + '/health', (res) => resolve(`status ${res.statusCode}`))
          .on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      });
      expect(plain).not.toBe('status 200');

      // Connections without a request do not hold up close(): a TCP connection that never starts its
      // handshake, and a TLS one that finished it and sent nothing (Node alone keeps them 60–120 s).
      const port = Number(new URL(server.url).port);
      const raw = net.connect(port, '127.0.0.1').on('error', () => {});
      await new Promise((r) => raw.once('connect', r));
      const quiet = tls.connect({ port, host: '127.0.0.1', ca: cert.certificate, servername: 'localhost' }).on('error', () => {});
      await new Promise((r) => quiet.once('secureConnect', r));
      const ended = Promise.all([raw, quiet].map((c) => new Promise((r) => c.once('close', r))));
      const outcome = await Promise.race([
        server
          .close()
          .then(() => ended)
          .then(() => 'closed'),
        new Promise((r) => setTimeout(() => r('still open after 20 s'), 20_000)),
      ]);
      expect(outcome).toBe('closed');
    } finally {
      await server.close();
    }
  });
});
