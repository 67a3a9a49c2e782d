// export / import / inject end to end with the built CLI: every export format parsed back, the
// kubelet-style directory swap, import dry-run and apply with its report, template rendering with
// line-numbered errors, 0600 outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lstatSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { createClient, type KeyhavenClient } from '@keyhaven/sdk';
import { parseDotenv } from '../../../cli/src/delivery/dotenv.js';
import { assertCliBuilt, cleanup, runCli, spawnCli, startRealServer, tempDir, waitFor, type RealServer } from './support.js';

let server: RealServer;
let env: Record<string, string>;
let dir: string;
let c: KeyhavenClient;
const TRICKY = 'line1\nline2 "quoted" $HOME `tick` \\ end';

beforeAll(async () => {
  assertCliBuilt();
  server = await startRealServer();
  dir = tempDir();
  env = { KEYHAVEN_ADDR: server.url, KEYHAVEN_TOKEN: server.rootToken };
  c = createClient({ addr: server.url, token: server.rootToken });
  await c.secrets.set('apps/exp/db', { user: 'app', password: 'p@ss w0rd' });
  await c.secrets.set('apps/exp/tricky', TRICKY);
});
afterAll(async () => {
  await server?.close();
  cleanup(dir);
});

describe('keyhaven export', () => {
  it('dotenv round-trips through the dotenv parser (quotes, newlines, $ and backquotes)', async () => {
    const r = await runCli(['export', '--format', 'dotenv', '--prefix', 'apps/exp/'], env);
    expect(r.code).toBe(0);
    expect(Object.fromEntries(parseDotenv(r.stdout))).toEqual({ DB_USER: 'app', DB_PASSWORD: 'p@ss w0rd', TRICKY });
  });

  it('json and yaml keep full names and values', async () => {
    const j = JSON.parse((await runCli(['export', '--format', 'json', '--prefix', 'apps/exp/'], env)).stdout);
    expect(j).toEqual({ 'apps/exp/db': { user: 'app', password: 'p@ss w0rd' }, 'apps/exp/tricky': TRICKY });
    const y = YAML.parse((await runCli(['export', '--format', 'yaml', '--prefix', 'apps/exp/'], env)).stdout);
    expect(y).toEqual(j);
  });

  it('k8s-secret is a v1 Secret with base64 data; written with -o it is 0600', async () => {
    const out = path.join(dir, 'secret.yaml');
    const r = await runCli(
      ['export', '--format', 'k8s-secret', '--prefix', 'apps/exp/', '--name', 'Web Secrets', '--namespace', 'prod', '-o', out],
      env,
    );
    expect(r.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const doc = YAML.parse(readFileSync(out, 'utf8'));
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'web-secrets', namespace: 'prod' } });
    expect(Buffer.from(doc.data.DB_PASSWORD, 'base64').toString()).toBe('p@ss w0rd');
    expect(Buffer.from(doc.data.TRICKY, 'base64').toString()).toBe(TRICKY);
  });

  it('docker-secrets writes one 0600 file per key', async () => {
    const out = path.join(dir, 'docker');
    expect((await runCli(['export', '--format', 'docker-secrets', '--prefix', 'apps/exp/', '-o', out], env)).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['db_password', 'db_user', 'tricky']);
    expect(readFileSync(path.join(out, 'db_password'), 'utf8')).toBe('p@ss w0rd');
    expect(statSync(path.join(out, 'tricky')).mode & 0o777).toBe(0o600);
  });

  it('dir swaps a ..data symlink atomically like kubelet: readers never see a mix, removed keys disappear', async () => {
    const out = path.join(dir, 'vol');
    expect((await runCli(['export', '--format', 'dir', '--prefix', 'apps/exp/', '-o', out], env)).code).toBe(0);
    const first = readlinkSync(path.join(out, '..data'));
    expect(lstatSync(path.join(out, 'DB_PASSWORD')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(out, 'DB_PASSWORD'), 'utf8')).toBe('p@ss w0rd');
    expect(statSync(path.join(out, first, 'DB_PASSWORD')).mode & 0o777).toBe(0o600);

    // A reader keeps reading both files while new versions are exported; each pair it reads is consistent.
    await c.secrets.set('apps/vol/pair', { a: 'v0', b: 'v0' });
    const vol2 = path.join(dir, 'vol2');
    expect((await runCli(['export', '--format', 'dir', '--prefix', 'apps/vol/', '-o', vol2], env)).code).toBe(0);
    const seen: string[] = [];
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const data = readlinkSync(path.join(vol2, '..data'));
        try {
          seen.push(readFileSync(path.join(vol2, data, 'PAIR_A'), 'utf8') + readFileSync(path.join(vol2, data, 'PAIR_B'), 'utf8'));
        } catch {
          /* the old data dir was removed after we resolved the link: read again */
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 1; i <= 3; i++) {
      await c.secrets.set('apps/vol/pair', { a: `v${i}`, b: `v${i}` });
      expect((await runCli(['export', '--format', 'dir', '--prefix', 'apps/vol/', '-o', vol2], env)).code).toBe(0);
    }
    stop = true;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s.slice(0, 2)).toBe(s.slice(2));
    expect(readFileSync(path.join(vol2, 'PAIR_A'), 'utf8')).toBe('v3');
    expect(readdirSync(vol2).filter((f) => f.startsWith('..') && f !== '..data')).toHaveLength(1); // old data dirs are removed

    await c.secrets.set('apps/vol/pair', 'now-a-string');
    expect((await runCli(['export', '--format', 'dir', '--prefix', 'apps/vol/', '-o', vol2], env)).code).toBe(0);
    expect(
      readdirSync(vol2)
        .filter((f) => !f.startsWith('..'))
        .sort(),
    ).toEqual(['PAIR']);
  });
});

describe('keyhaven import', () => {
  it('reports what a dry run would do, then creates, updates only with --overwrite, and leaves equal values', async () => {
    const file = path.join(dir, 'seed.env');
    writeFileSync(file, '# local dev\nexport API_KEY="abc\\n123"\nDB_URL=postgres://x\nMULTI="one\ntwo"\n');
    const dry = await runCli(['import', file, '--prefix', 'apps/imp/', '--dry-run', '--format', 'json'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).counts).toEqual({ created: 3, updated: 0, unchanged: 0, skipped: 0 });
    expect(await c.secrets.listAll({ prefix: 'apps/imp/' })).toHaveLength(0);

    const apply = await runCli(['import', file, '--prefix', 'apps/imp/'], env);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('3 created');
    expect((await c.secrets.get('apps/imp/API_KEY')).value).toBe('abc\n123');
    expect((await c.secrets.get('apps/imp/MULTI')).value).toBe('one\ntwo');

    writeFileSync(file, 'API_KEY="changed"\nDB_URL=postgres://x\n');
    const again = JSON.parse((await runCli(['import', file, '--prefix', 'apps/imp/', '--format', 'json'], env)).stdout);
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: 1, skipped: 1 });
    const over = JSON.parse((await runCli(['import', file, '--prefix', 'apps/imp/', '--overwrite', '--format', 'json'], env)).stdout);
    expect(over.counts).toEqual({ created: 0, updated: 1, unchanged: 1, skipped: 0 });
    expect((await c.secrets.get('apps/imp/API_KEY')).value).toBe('changed');
  });
});

describe('keyhaven inject', () => {
  it('renders references into a 0600 file and names the line of an unknown reference', async () => {
    const tpl = path.join(dir, 'app.conf.tpl');
    const out = path.join(dir, 'app.conf');
    writeFileSync(
      tpl,
      'user = {{ keyhaven://apps/exp/db#user }}\npassword = "{{keyhaven://apps/exp/db#password}}"\nother = {{ not a ref }}\n',
    );
    const r = await runCli(['inject', '-i', tpl, '-o', out], env);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('user = app\npassword = "p@ss w0rd"\nother = {{ not a ref }}\n');
    expect(statSync(out).mode & 0o777).toBe(0o600);

    writeFileSync(tpl, 'a = 1\nb = {{ keyhaven://apps/exp/missing#x }}\n');
    const bad = await runCli(['inject', '-i', tpl, '-o', path.join(dir, 'bad.conf')], env);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('app.conf.tpl:2');
    expect(bad.stderr).toContain('keyhaven://apps/exp/missing#x');
    expect(() => statSync(path.join(dir, 'bad.conf'))).toThrow();

    writeFileSync(tpl, 'k = {{ aws-sm://prod/db#password }}\n');
    const prov = await runCli(['inject', '-i', tpl], env);
    expect(prov.code).not.toBe(0);
    expect(prov.stderr).toContain('app.conf.tpl:1');
  });

  it('--watch re-renders when a referenced secret changes', async () => {
    await c.secrets.set('apps/inj/token', 'one');
    const tpl = path.join(dir, 'w.tpl');
    const out = path.join(dir, 'w.out');
    writeFileSync(tpl, 'token={{ keyhaven://apps/inj/token }}\n');
    const p = spawnCli(['inject', '-i', tpl, '-o', out, '--watch'], env);
    try {
      await waitFor(() => {
        try {
          return readFileSync(out, 'utf8') === 'token=one\n';
        } catch {
          return false;
        }
      }, 'the first render');
      await new Promise((r) => setTimeout(r, 300)); // let the event subscription connect
      await c.secrets.set('apps/inj/token', 'two');
      await waitFor(() => readFileSync(out, 'utf8') === 'token=two\n', 'the re-render');
    } finally {
      p.child.kill('SIGTERM');
      await p.done;
    }
  });
});
