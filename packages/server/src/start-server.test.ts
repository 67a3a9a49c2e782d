// The first-start experience and the master key: data directory, key file with mode 0600, a root
// token printed once, restart on the same store, and a refusal to start with the wrong key.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/load-config.js';
import { startServer } from './start-server.js';
import { createClient } from '@keyhaven/sdk';

describe('startServer', () => {
  it('creates the data directory, a 0600 master key and prints a root token once', async () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'kh-start-')), 'data');
    const config = loadConfig({ env: {}, flags: { dataDir, listen: '127.0.0.1:0', logLevel: 'silent' } });
    const lines: string[] = [];
    const first = await startServer(config, { print: (l) => lines.push(l) });
    expect(first.rootToken).toMatch(/^khv_/);
    expect(lines.join('\n')).toContain(`Root token (shown once, store it safely): ${first.rootToken}`);
    expect(statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    const client = createClient({ addr: first.url, token: first.rootToken, tenant: 'default' });
    await client.secrets.set('apps/first', 'plain-text-marker-7f3a');
    await first.close();

    const again: string[] = [];
    const second = await startServer(config, { print: (l) => again.push(l) });
    expect(second.rootToken).toBeUndefined();
    expect(again.join('\n')).not.toContain('Root token');
    expect((await createClient({ addr: second.url, token: first.rootToken }).secrets.get('apps/first')).value).toBe(
      'plain-text-marker-7f3a',
    );
    await second.close();

    for (const f of readdirSync(dataDir)) {
      expect(readFileSync(path.join(dataDir, f)).includes(Buffer.from('plain-text-marker-7f3a'))).toBe(false);
    }

    writeFileSync(path.join(dataDir, 'master.key'), randomBytes(32).toString('base64'));
    await expect(startServer(config, { print: () => {} })).rejects.toMatchObject({
      code: 'MASTER_KEY_INVALID',
      message: expect.stringContaining('does not open this store'),
    });
  });

  it('runs dev mode on a temporary store with a known root token, removed on close', async () => {
    const config = loadConfig({
      env: {},
      flags: { dev: true, devRootToken: 'dev-root', listen: '127.0.0.1:0', logLevel: 'silent', dataDir: '/nonexistent/never-used' },
    });
    const lines: string[] = [];
    const dev = await startServer(config, { print: (l) => lines.push(l) });
    expect(dev.rootToken).toBe('dev-root');
    expect(lines.join('\n')).toContain('DEV mode');
    const client = createClient({ addr: dev.url, token: 'dev-root', tenant: 'default' });
    await client.secrets.set('x', 'y');
    expect((await client.secrets.get('x')).value).toBe('y');
    expect(dev.dataDir.startsWith(os.tmpdir())).toBe(true);
    expect(existsSync(path.join(dev.dataDir, 'keyhaven.db'))).toBe(true);
    expect(existsSync(path.join(dev.dataDir, 'master.key'))).toBe(false);
    await dev.close();
    expect(existsSync(dev.dataDir)).toBe(false);
  });
});
