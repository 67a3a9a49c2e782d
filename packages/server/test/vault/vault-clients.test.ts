// The Vault-compatible API driven by real Vault clients against a real started Keyhaven server, on
// SQLite and PostgreSQL: hvac (Debian's python3-hvac, in a subprocess) and node-vault with its LIST
// verb, then raw HTTP/1.1 as the vault CLI, the Go client and curl send it (LIST on keep-alive and
// pipelined connections, bodies without Content-Type, the start-up probes).
import { execFile } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { hvacPython, rawExchange, rawRequest, startVaultServer, type VaultServer } from './support.js';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault') as (o: Record<string, unknown>) => any;
const HVAC_SCENARIO = fileURLToPath(new URL('./hvac-scenario.py', import.meta.url));

describe.each(backends())('Vault clients against Keyhaven on %s', (backend) => {
  let s: VaultServer;
  beforeAll(async () => {
    s = await startVaultServer(backend);
  });
  afterAll(async () => {
    await s?.close();
  });

  it.skipIf(!hvacPython)('hvac: probes, write, read, LIST (top and nested), metadata, delete', async () => {
    const { stdout } = await promisify(execFile)(hvacPython!, [HVAC_SCENARIO, s.url, s.rootToken, 'hvac/app'], { timeout: 60_000 });
    const r = JSON.parse(stdout);
    expect(r.authenticated).toEqual({ ok: true });
    expect(r.sealed).toEqual({ ok: false });
    expect(r.initialized).toEqual({ ok: true });
    expect(r.health.ok).toMatchObject({ initialized: true, sealed: false, standby: false });
    expect(r.mounts.ok).toEqual(expect.arrayContaining(['secret/', 'kv/']));
    expect(r.lookup_self.ok).toMatchObject({ policies: ['root'] });
    expect(JSON.stringify(r.lookup_self)).not.toContain(s.rootToken);
    expect(r.write1.ok).toMatchObject({ version: 1, destroyed: false });
    expect(r.write2.ok).toMatchObject({ version: 2 });
    expect(r.write_cas_stale).toMatchObject({
      error: 'InvalidRequest',
      message: expect.stringContaining('check-and-set parameter did not match the current version'),
    });
    expect(r.read.ok.data).toEqual({ user: 'app', password: 'pw2' });
    expect(r.read.ok.metadata).toMatchObject({ version: 2 });
    expect(r.read_v1.ok).toEqual({ user: 'app', password: 'pw1' });
    expect(r.write_nested.ok).toEqual([1, 1]);
    expect(r.list.ok).toEqual(['db', 'nested/']);
    expect(r.list_nested.ok).toEqual(['deeper/', 'one', 'two']);
    expect(r.list_after_list.ok).toEqual({ n: 'one' }); // the connection survives a LIST
    expect(r.list_missing).toMatchObject({ error: 'InvalidPath' });
    expect(r.metadata.ok).toMatchObject({ current_version: 2, oldest_version: 1 });
    expect(Object.keys(r.metadata.ok.versions)).toEqual(['1', '2']);
    expect(r.delete_latest.ok).toBe(204);
    expect(r.read_deleted).toMatchObject({ error: 'InvalidPath' });
    expect(r.undelete.ok).toBe(204);
    expect(r.read_undeleted.ok).toEqual({ user: 'app', password: 'pw2' });
    expect(r.delete_all.ok).toBe(204);
    expect(r.metadata_gone).toMatchObject({ error: 'InvalidPath' });
    expect(r.list_after_delete.ok).toEqual(['nested/']);
  });

  it('a percent-encoded path is decoded once: %25 is not a 500, %252e%252e never becomes ".."', async () => {
    const h = { 'x-vault-token': s.rootToken, 'content-type': 'application/json' };
    for (const p of [
      '/v1/secret/data/a%25b',
      '/v1/secret/metadata/a%25',
      '/v1/secret/data/%252e%252e/%252e%252e/x',
      '/v1/secret/data/x%25252f',
    ]) {
      const r = await fetch(s.url + p, { headers: h });
      expect({ p, status: r.status < 500 }).toEqual({ p, status: true });
    }
    // A write through %252e%252e stores nothing named "..": the name keeps its literal "%2e".
    const w = await fetch(s.url + '/v1/secret/data/enc/%252e%252e', {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ data: { k: 'v' } }),
    });
    expect(w.status).toBeLessThan(500);
    const list = await fetch(s.url + '/v1/secret/metadata/enc?list=true', { headers: h });
    if (list.status === 200) expect(JSON.stringify(await list.json())).not.toContain('"../');
  });

  it('node-vault with its LIST verb: write, read, list, nested list, metadata, delete', async () => {
    const vault = nodeVault({ endpoint: s.url, token: s.rootToken, apiVersion: 'v1' }); // custom verbs on: LIST
    await vault.write('secret/data/nv/app/db', { data: { password: 'p1' } });
    await vault.write('secret/data/nv/app/nested/one', { data: { n: '1' } });
    expect((await vault.read('secret/data/nv/app/db')).data.data).toEqual({ password: 'p1' });
    expect((await vault.list('secret/metadata/nv/app')).data.keys).toEqual(['db', 'nested/']);
    expect((await vault.list('secret/metadata/nv/app/nested')).data.keys).toEqual(['one']);
    expect((await vault.list('secret/metadata/nv')).data.keys).toEqual(['app/']);
    const missing = await vault.list('secret/metadata/nv/none').catch((e: any) => e);
    expect(missing.response.statusCode).toBe(404);
    expect(missing.response.body).toEqual({ errors: [] });
    expect((await vault.read('secret/metadata/nv/app/db')).data).toMatchObject({ current_version: 1 });
    await vault.delete('secret/metadata/nv/app/db');
    expect((await vault.list('secret/metadata/nv/app')).data.keys).toEqual(['nested/']);
    // The same calls, many times over node-vault's pooled connections: none hangs up.
    const many = await Promise.all(Array.from({ length: 20 }, () => vault.list('secret/metadata/nv/app')));
    expect(many.every((l: any) => l.data.keys[0] === 'nested/')).toBe(true);
    // The status probes it offers.
    expect(await vault.health()).toMatchObject({ initialized: true, sealed: false });
    expect(await vault.status()).toMatchObject({ sealed: false, type: 'shamir' });
  });

  describe('raw HTTP as the vault CLI, the Go client and curl send it', () => {
    beforeAll(async () => {
      const vault = nodeVault({ endpoint: s.url, token: s.rootToken, apiVersion: 'v1' });
      await vault.write('secret/data/raw/a', { data: { v: 'a' } });
      await vault.write('secret/data/raw/dir/b', { data: { v: 'b' } });
    });

    it('LIST and GET ?list=true answer the same {"data":{"keys":[...]}}; empty is 404 {"errors":[]}', async () => {
      const { responses } = await rawExchange(
        s.port,
        [
          rawRequest('LIST', '/v1/secret/metadata/raw', { token: s.rootToken }),
          rawRequest('GET', '/v1/secret/metadata/raw?list=true', { token: s.rootToken }),
          rawRequest('LIST', '/v1/secret/metadata/raw/', { token: s.rootToken }),
          rawRequest('LIST', '/v1/secret/metadata/', { token: s.rootToken }),
          rawRequest('LIST', '/v1/secret/metadata/raw/none', { token: s.rootToken }),
          rawRequest('GET', '/v1/secret/metadata/raw/none?list=true', { token: s.rootToken }),
        ],
        6,
      );
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 404, 404]);
      expect(responses[0]!.json().data).toEqual({ keys: ['a', 'dir/'] });
      expect(responses[1]!.json().data).toEqual({ keys: ['a', 'dir/'] });
      expect(responses[2]!.json().data).toEqual({ keys: ['a', 'dir/'] });
      expect(responses[3]!.json().data.keys).toEqual(expect.arrayContaining(['raw/']));
      expect(responses[4]!.json()).toEqual({ errors: [] });
      expect(responses[5]!.json()).toEqual({ errors: [] });
    });

    it('LIST keeps a keep-alive connection usable (node http with an agent, as curl -X LIST does)', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const sockets = new Set<unknown>();
      const call = (method: string, path: string) =>
        new Promise<{ status: number; body: any }>((resolve, reject) => {
          const req = http.request(s.url + path, { method, agent, headers: { 'x-vault-token': s.rootToken } }, (res) => {
            let b = '';
            res.on('data', (c) => {
              b += c;
            });
            res.on('end', () => resolve({ status: res.statusCode!, body: b ? JSON.parse(b) : null }));
          });
          req.on('socket', (sock) => sockets.add(sock));
          req.on('error', reject);
          req.end();
        });
      try {
        expect(await call('LIST', '/v1/secret/metadata/raw')).toEqual({
          status: 200,
          body: expect.objectContaining({ data: { keys: ['a', 'dir/'] } }),
        });
        expect((await call('GET', '/v1/secret/data/raw/a')).body.data.data).toEqual({ v: 'a' });
        expect((await call('LIST', '/v1/secret/metadata/raw/dir')).body.data).toEqual({ keys: ['b'] });
        expect((await call('LIST', '/v1/secret/metadata/raw/none')).status).toBe(404);
        expect((await call('GET', '/v1/sys/health')).status).toBe(200);
        expect(sockets.size).toBe(1);
      } finally {
        agent.destroy();
      }
    });

    it('LIST pipelined behind requests with Content-Length and chunked bodies that contain "LIST"', async () => {
      const decoy = JSON.stringify({ data: { note: 'LIST /v1/secret/metadata/raw HTTP/1.1\r\n\r\n' } });
      const chunked = `${decoy.length.toString(16)}\r\n${decoy}\r\n0\r\n\r\n`;
      const bytes =
        rawRequest('POST', '/v1/secret/data/raw/decoy', {
          token: s.rootToken,
          body: decoy,
          headers: { 'content-type': 'application/json' },
        }) +
        rawRequest('LIST', '/v1/secret/metadata/raw/dir', { token: s.rootToken }) +
        rawRequest('PUT', '/v1/secret/data/raw/decoy2', {
          token: s.rootToken,
          body: chunked,
          headers: { 'Transfer-Encoding': 'chunked' },
        }) +
        rawRequest('LIST', '/v1/secret/metadata/raw/dir', { token: s.rootToken });
      // Byte by byte, and all at once: the framing does not depend on how the bytes arrive.
      for (const parts of [[bytes], [...Buffer.from(bytes)].map((b) => Buffer.from([b]))]) {
        const { responses } = await rawExchange(s.port, parts.length === 1 ? parts[0]! : Buffer.concat(parts), 4);
        expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
        expect(responses[1]!.json().data).toEqual({ keys: ['b'] });
        expect(responses[3]!.json().data).toEqual({ keys: ['b'] });
      }
      const split = await rawExchange(
        s.port,
        [...Buffer.from(bytes)].reduce<Buffer[]>((acc, b, i) => {
          if (i % 7 === 0) acc.push(Buffer.alloc(0));
          acc[acc.length - 1] = Buffer.concat([acc[acc.length - 1]!, Buffer.from([b])]);
          return acc;
        }, []),
        4,
        15_000,
      );
      expect(split.responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const vault = nodeVault({ endpoint: s.url, token: s.rootToken, apiVersion: 'v1' });
      expect((await vault.read('secret/data/raw/decoy2')).data.data.note).toContain('LIST /v1/');
    });

    it('LIST outside /v1 is still refused by the parser (400), as before', async () => {
      const { responses } = await rawExchange(s.port, rawRequest('LIST', '/health'), 1);
      expect(responses[0]!.status).toBe(400);
    });

    it('LIST on a data path is 405 as in Vault', async () => {
      const { responses } = await rawExchange(s.port, rawRequest('LIST', '/v1/secret/data/raw', { token: s.rootToken }), 1);
      expect(responses[0]!.status).toBe(405);
      expect(responses[0]!.json().errors).toEqual(['unsupported operation']);
    });

    it("bodies without Content-Type (the Go client) and with curl --data's form type are read as JSON", async () => {
      const body = JSON.stringify({ data: { k: 'go' }, options: { cas: 0 } });
      const { responses } = await rawExchange(
        s.port,
        [
          rawRequest('PUT', '/v1/secret/data/raw/go', { token: s.rootToken, body }),
          rawRequest('POST', '/v1/secret/data/raw/curl', {
            token: s.rootToken,
            body: JSON.stringify({ data: { k: 'curl' } }),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
          rawRequest('POST', '/v1/secret/data/raw/text', {
            token: s.rootToken,
            body: JSON.stringify({ data: { k: 'text' } }),
            headers: { 'content-type': 'text/plain' },
          }),
          rawRequest('GET', '/v1/secret/data/raw/go', { token: s.rootToken }),
          rawRequest('PUT', '/v1/secret/data/raw/go', { token: s.rootToken, body }), // cas 0 again: Vault's CAS error
          rawRequest('PUT', '/v1/secret/data/raw/bad', { token: s.rootToken, body: '' }),
          rawRequest('POST', '/v1/secret/metadata/raw/go', {
            token: s.rootToken,
            body: JSON.stringify({ custom_metadata: { 'managed-by': 'external-secrets' } }),
          }),
          rawRequest('GET', '/v1/secret/metadata/raw/go', { token: s.rootToken }),
          rawRequest('PUT', '/v1/secret/data/raw/bad', { token: s.rootToken, body: '{"data": ' }), // the server closes after a body it cannot parse
        ],
        9,
        5000,
        { sequential: true },
      );
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 400, 400, 204, 200, 400]);
      expect(responses[0]!.json().data).toMatchObject({ version: 1 });
      expect(responses[3]!.json().data.data).toEqual({ k: 'go' });
      expect(responses[4]!.json()).toEqual({ errors: ['check-and-set parameter did not match the current version'] });
      expect(responses[8]!.json()).toEqual({ errors: ['failed to parse JSON input'] });
      expect(responses[5]!.json()).toEqual({ errors: ['no data provided'] });
      expect(responses[7]!.json().data.custom_metadata).toEqual({ 'managed-by': 'external-secrets' });
      const vault = nodeVault({ endpoint: s.url, token: s.rootToken, apiVersion: 'v1' });
      expect((await vault.read('secret/data/raw/curl')).data.data).toEqual({ k: 'curl' });
      expect((await vault.read('secret/data/raw/text')).data.data).toEqual({ k: 'text' });
    });

    it("Keyhaven's own API keeps its strict media types", async () => {
      const { responses } = await rawExchange(
        s.port,
        rawRequest('PUT', '/v1/secrets/raw/own', {
          body: '{"value":"x"}',
          headers: { authorization: `Bearer ${s.rootToken}`, 'x-tenant-id': 'default' },
        }),
        1,
      );
      expect(responses[0]!.status).toBe(415);
    });

    it("start-up probes in Vault's shapes: sys/health, seal-status, init, mounts, internal mounts, lookup-self", async () => {
      const t = s.rootToken;
      const { responses } = await rawExchange(
        s.port,
        [
          rawRequest('GET', '/v1/sys/health'),
          rawRequest('GET', '/v1/sys/health?activecode=299'),
          rawRequest('GET', '/v1/sys/seal-status'),
          rawRequest('GET', '/v1/sys/init'),
          rawRequest('GET', '/v1/sys/mounts', { token: t }),
          rawRequest('GET', '/v1/sys/internal/ui/mounts/secret/raw/a', { token: t }),
          rawRequest('GET', '/v1/sys/internal/ui/mounts/nope/x', { token: t }),
          rawRequest('GET', '/v1/auth/token/lookup-self', { token: t }),
          rawRequest('GET', '/v1/auth/token/lookup-self', { token: 'kh_nope' }),
          rawRequest('GET', '/v1/sys/mounts'),
        ],
        10,
      );
      const [health, code, seal, init, mounts, ui, uiMissing, self, badSelf, anonMounts] = responses as [
        RawResponseT,
        RawResponseT,
        RawResponseT,
        RawResponseT,
        RawResponseT,
        RawResponseT,
        RawResponseT,
        RawResponseT,
        RawResponseT,
        RawResponseT,
      ];
      expect(health.status).toBe(200);
      expect(health.json()).toMatchObject({
        initialized: true,
        sealed: false,
        standby: false,
        performance_standby: false,
        replication_performance_mode: 'disabled',
        replication_dr_mode: 'disabled',
        cluster_name: 'keyhaven',
      });
      expect(health.json().version).toMatch(/^1\.\d+\.\d+\+keyhaven\./);
      expect(Math.abs(health.json().server_time_utc - Date.now() / 1000)).toBeLessThan(60);
      const head = await fetch(s.url + '/v1/sys/health', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(code.status).toBe(299);
      expect(seal.json()).toMatchObject({
        type: 'shamir',
        initialized: true,
        sealed: false,
        t: 1,
        n: 1,
        progress: 0,
        storage_type: backend === 'postgres' ? 'postgresql' : 'sqlite',
      });
      expect(init.json()).toEqual({ initialized: true });
      expect(mounts.json().data['secret/']).toMatchObject({ type: 'kv', options: { version: '2' } });
      expect(mounts.json()['secret/']).toMatchObject({ type: 'kv' });
      expect(ui.json().data).toMatchObject({ path: 'secret/', type: 'kv', options: { version: '2' } });
      expect(uiMissing.status).toBe(403);
      expect(self.json().data).toMatchObject({ policies: ['root'], display_name: 'token-root', renewable: false, num_uses: 0 });
      expect(self.body).not.toContain(t);
      expect(badSelf.status).toBe(403);
      expect(badSelf.json()).toEqual({ errors: ['permission denied'] });
      expect(anonMounts.status).toBe(403);
    });
  });
});

type RawResponseT = Awaited<ReturnType<typeof rawExchange>>['responses'][number];
