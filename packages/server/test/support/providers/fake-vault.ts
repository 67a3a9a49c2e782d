// A local fake of HashiCorp Vault's HTTP API (test-only): token lookup, AppRole login and a KV v2
// engine with versions, CAS, soft delete and metadata, answering with Vault's own status codes and
// error bodies. `extra` lets other fakes (Transit) add routes behind the same token check.
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readJson, sendJson, startHttp, type FakeServer } from './http-fake.js';

interface KvVersion {
  data: Record<string, unknown>;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}
interface KvEntry {
  versions: Map<number, KvVersion>;
  current: number;
  custom_metadata: Record<string, string>;
  created_time: string;
}

export type ExtraRoute = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  body: Record<string, unknown>,
) => Promise<boolean> | boolean;

export interface FakeVault extends FakeServer {
  rootToken: string;
  approle: { roleId: string; secretId: string };
  requests: Array<{ method: string; path: string; namespace?: string }>;
}

const now = () => new Date().toISOString();

export const startFakeVault = async (opts: { mount?: string; namespace?: string; extra?: ExtraRoute } = {}): Promise<FakeVault> => {
  const mount = opts.mount ?? 'secret';
  const tokens = new Set([`hvs.${randomBytes(12).toString('hex')}`]);
  const rootToken = [...tokens][0];
  const approle = { roleId: randomBytes(8).toString('hex'), secretId: randomBytes(8).toString('hex') };
  const kv = new Map<string, KvEntry>();
  const requests: FakeVault['requests'] = [];

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';
    const namespace = req.headers['x-vault-namespace'] as string | undefined;
    requests.push({ method, path, namespace });
    const body = method === 'GET' || method === 'DELETE' ? {} : await readJson(req);
    const errors = (status: number, ...errs: string[]) => sendJson(res, status, { errors: errs });

    if (method === 'POST' && path === '/v1/auth/approle/login') {
      if (body.role_id !== approle.roleId || body.secret_id !== approle.secretId) return errors(400, 'invalid role or secret ID');
      const token = `hvs.${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      return sendJson(res, 200, { auth: { client_token: token, lease_duration: 3600, renewable: true, policies: ['default'] } });
    }
    if (!tokens.has(String(req.headers['x-vault-token'] ?? ''))) return errors(403, 'permission denied');
    if (opts.namespace && namespace !== opts.namespace) return errors(403, 'permission denied');
    if (path === '/v1/auth/token/lookup-self' && method === 'GET') return sendJson(res, 200, { data: { policies: ['root'], ttl: 0 } });
    if (opts.extra && (await opts.extra(req, res, path, body))) return;

    const m = new RegExp(`^/v1/${mount}/(data|metadata)/(.*)$`).exec(path);
    if (!m) return errors(404, `no handler for route "${path.slice(4)}". route entry not found.`);
    const [, area, key] = m;
    const entry = kv.get(key);
    const list = url.searchParams.get('list') === 'true';

    if (area === 'metadata' && method === 'GET' && list) {
      const dir = key === '' || key.endsWith('/') ? key : `${key}/`;
      const keys = new Set<string>();
      for (const k of kv.keys()) {
        if (!k.startsWith(dir)) continue;
        const rest = k.slice(dir.length);
        const i = rest.indexOf('/');
        keys.add(i === -1 ? rest : rest.slice(0, i + 1));
      }
      return keys.size ? sendJson(res, 200, { data: { keys: [...keys].sort() } }) : errors(404);
    }
    if (area === 'data' && (method === 'POST' || method === 'PUT')) {
      const options = (body.options ?? {}) as { cas?: number };
      const current = entry?.current ?? 0;
      if (options.cas !== undefined && options.cas !== current)
        return errors(400, 'check-and-set parameter did not match the current version');
      const e = entry ?? { versions: new Map(), current: 0, custom_metadata: {}, created_time: now() };
      const v = { data: (body.data ?? {}) as Record<string, unknown>, created_time: now(), deletion_time: '', destroyed: false };
      e.current += 1;
      e.versions.set(e.current, v);
      kv.set(key, e);
      return sendJson(res, 200, { data: { version: e.current, created_time: v.created_time, deletion_time: '', destroyed: false } });
    }
    if (area === 'data' && method === 'GET') {
      const n = Number(url.searchParams.get('version') ?? 0) || entry?.current || 0;
      const v = entry?.versions.get(n);
      if (!entry || !v) return errors(404);
      const metadata = {
        version: n,
        created_time: v.created_time,
        deletion_time: v.deletion_time,
        destroyed: v.destroyed,
        custom_metadata: entry.custom_metadata,
      };
      if (v.deletion_time || v.destroyed) return sendJson(res, 404, { data: { data: null, metadata } });
      return sendJson(res, 200, { data: { data: v.data, metadata } });
    }
    if (area === 'data' && method === 'DELETE') {
      const v = entry?.versions.get(entry.current);
      if (v) v.deletion_time = now();
      return sendJson(res, 204);
    }
    if (area === 'metadata' && method === 'GET') {
      if (!entry) return errors(404);
      const versions = Object.fromEntries(
        [...entry.versions].map(([n, v]) => [
          String(n),
          { created_time: v.created_time, deletion_time: v.deletion_time, destroyed: v.destroyed },
        ]),
      );
      return sendJson(res, 200, {
        data: {
          versions,
          current_version: entry.current,
          oldest_version: 1,
          max_versions: 0,
          cas_required: false,
          created_time: entry.created_time,
          updated_time: now(),
          custom_metadata: entry.custom_metadata,
        },
      });
    }
    if (area === 'metadata' && (method === 'POST' || method === 'PUT')) {
      const e = entry ?? { versions: new Map(), current: 0, custom_metadata: {}, created_time: now() };
      if (body.custom_metadata) e.custom_metadata = body.custom_metadata as Record<string, string>;
      kv.set(key, e);
      return sendJson(res, 204);
    }
    if (area === 'metadata' && method === 'DELETE') {
      kv.delete(key);
      return sendJson(res, 204);
    }
    return errors(405);
  };

  const server = await startHttp(handler);
  return { ...server, rootToken, approle, requests };
};
