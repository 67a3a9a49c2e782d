// An uploaded audit export is held in memory while it is verified (up to 256 MiB), so the built
// server verifies one upload at a time: a second one, sent while the first is still uploading, is
// refused at once with AUDIT_VERIFY_BUSY (429) before its body is read, and the slot is free again
// when the first ends, answered or with its connection dropped. A token whose role may not verify is
// refused before its body is read too, and takes no slot.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cleanup, killAll, masterKey, startServerProcess, tempDir, type ServerProcess } from './support.js';

vi.setConfig({ testTimeout: 60_000 });
let s: ServerProcess;
let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  s = await startServerProcess(['--data-dir', dir], { KEYHAVEN_MASTER_KEY: masterKey() });
});
afterAll(() => {
  killAll();
  cleanup(dir);
});

/** Starts an upload of a body of `length` bytes and sends only `first` of it. */
const startUpload = (first: string, length: number, as = { path: '/v1/sys/audit/verify-export', token: '', tenant: '' }) => {
  const u = new URL(as.path, s.url);
  const req = http.request(u, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${as.token || s.rootToken}`,
      'content-type': 'application/json',
      'content-length': String(length),
      ...(as.tenant ? { 'x-tenant-id': as.tenant } : {}),
    },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
  req.write(first);
  return { req, answer };
};
const post = async (body: unknown) => {
  const r = await fetch(new URL('/v1/sys/audit/verify-export', s.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${s.rootToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as { error?: { code: string; message: string } } };
};

describe('verifying uploaded audit exports (built server)', () => {
  it('one at a time: a second upload is refused while the first uploads, and the slot frees when it ends', async () => {
    const body = JSON.stringify({ export: '' });
    const slow = startUpload(body.slice(0, 5), Buffer.byteLength(body));
    await new Promise((r) => setTimeout(r, 300)); // the first request is in, its body not yet complete
    const busy = await post({ export: '' });
    expect(busy.status).toBe(429);
    expect(busy.body.error?.code).toBe('AUDIT_VERIFY_BUSY');
    slow.req.end(body.slice(5));
    const first = await slow.answer;
    expect(first.status).not.toBe(429);
    expect((await post({ export: '' })).status).not.toBe(429);
  });

  it('a dropped upload frees the slot', async () => {
    const dropped = startUpload('{"export":"', 1000);
    dropped.answer.catch(() => {}); // the socket is destroyed below
    await new Promise((r) => setTimeout(r, 300));
    expect((await post({ export: '' })).body.error?.code).toBe('AUDIT_VERIFY_BUSY');
    dropped.req.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect((await post({ export: '' })).status).not.toBe(429);
  });

  it('a token that may not verify is refused before its body is read, and takes no slot', async () => {
    const made = await fetch(new URL('/v1/tokens', s.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${s.rootToken}`, 'content-type': 'application/json', 'x-tenant-id': 'default' },
      body: JSON.stringify({ name: 'reader', role: 'read' }),
    });
    expect(made.status).toBe(201);
    const reader = ((await made.json()) as { token: string }).token;
    // 1 MB announced, 11 bytes sent: the answer comes while the body is still incomplete.
    const up = startUpload('{"export":"', 1_000_000, { path: '/v1/audit/verify-export', token: reader, tenant: 'default' });
    up.answer.catch(() => {}); // the server may close the connection after answering
    const answer = await Promise.race([up.answer, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    expect(answer?.status).toBe(403);
    expect(JSON.parse(answer!.body).error.code).toBe('FORBIDDEN');
    // Meanwhile the slot is free for an administrator.
    expect((await post({ export: '' })).status).not.toBe(429);
    up.req.destroy();
    // The refusal is in the audit trail.
    const q = await fetch(new URL('/v1/sys/audit/events?action=audit.verify_export&outcome=denied', s.url), {
      headers: { authorization: `Bearer ${s.rootToken}` },
    });
    const items = ((await q.json()) as { items: { actor_name: string; status: number }[] }).items;
    expect(items.map((e) => [e.actor_name, e.status])).toContainEqual(['reader', 403]);
  });
});
