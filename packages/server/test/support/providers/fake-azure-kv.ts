// A local fake of the Azure Key Vault secrets REST API (test-only): the 401 challenge then bearer
// token, case-insensitive names, versions, tags, paging with nextLink, soft delete and purge.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { readJson, sendJson, startHttp, type FakeServer } from './http-fake.js';

interface Version {
  id: string;
  value: string;
  tags: Record<string, string>;
  contentType?: string;
  enabled: boolean;
  created: number;
}
interface Entry {
  name: string;
  versions: Version[];
}

export interface FakeAzureKv extends FakeServer {
  token: string;
  /** Paths (without query) of every request, for assertions. */
  requests: string[];
  pageSize: number;
}

export const CHALLENGE =
  'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"';

export const azureError = (res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  sendJson(res, status, { error: { code, message } }, headers);

/** Handles the Key Vault challenge: returns true when the request may proceed. */
export const checkBearer = (req: http.IncomingMessage, res: http.ServerResponse, token: string): boolean => {
  const auth = req.headers.authorization;
  if (auth === `Bearer ${token}`) return true;
  azureError(res, 401, 'Unauthorized', auth ? 'AKV10032: Invalid issuer.' : 'AKV10000: Request is missing a Bearer or PoP token.', {
    'www-authenticate': CHALLENGE,
  });
  return false;
};

export const startFakeAzureKv = async (token = 'test'): Promise<FakeAzureKv> => {
  const live = new Map<string, Entry>();
  const deleted = new Map<string, Entry & { deletedDate: number }>();
  const requests: string[] = [];
  const state = { pageSize: 25 };
  let base = '';

  const bundle = (e: Entry, v: Version) => ({
    value: v.value,
    id: `${base}/secrets/${e.name}/${v.id}`,
    contentType: v.contentType,
    tags: v.tags,
    attributes: { enabled: v.enabled, created: v.created, updated: v.created, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
  });
  const item = (id: string, v: Version) => ({
    id,
    contentType: v.contentType,
    tags: v.tags,
    attributes: { enabled: v.enabled, created: v.created, updated: v.created },
  });
  const page = <T>(res: http.ServerResponse, items: T[], url: URL) => {
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const top = Math.min(Number(url.searchParams.get('maxresults') ?? state.pageSize), state.pageSize);
    const next =
      skip + top < items.length
        ? `${base}${url.pathname}?api-version=${url.searchParams.get('api-version')}&$skiptoken=${skip + top}&maxresults=${top}`
        : null;
    sendJson(res, 200, { value: items.slice(skip, skip + top), nextLink: next });
  };

  const server = await startHttp(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    if (!url.searchParams.get('api-version')) return azureError(res, 400, 'BadParameter', 'api-version is required');
    if (!checkBearer(req, res, token)) return;
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const key = (parts[1] ?? '').toLowerCase();
    const e = live.get(key);
    const notFound = () => azureError(res, 404, 'SecretNotFound', `A secret with (name/id) ${parts[1]} was not found in this key vault.`);

    if (parts[0] === 'secrets' && parts.length === 1 && req.method === 'GET') {
      return page(
        res,
        [...live.values()].map((x) => item(`${base}/secrets/${x.name}`, x.versions[x.versions.length - 1])),
        url,
      );
    }
    if (parts[0] === 'secrets' && parts.length === 2 && req.method === 'PUT') {
      if (!/^[0-9a-zA-Z-]{1,127}$/.test(parts[1])) return azureError(res, 400, 'BadParameter', 'The request URI contains an invalid name');
      if (deleted.has(key)) return azureError(res, 409, 'Conflict', `Secret ${parts[1]} is currently in a deleted but recoverable state.`);
      const body = await readJson(req);
      const entry = e ?? { name: parts[1], versions: [] };
      const v: Version = {
        id: randomBytes(16).toString('hex'),
        value: String(body.value),
        tags: (body.tags as Record<string, string>) ?? {},
        contentType: body.contentType as string | undefined,
        enabled: (body.attributes as { enabled?: boolean })?.enabled ?? true,
        created: Math.floor(Date.now() / 1000),
      };
      entry.versions.push(v);
      live.set(key, entry);
      return sendJson(res, 200, bundle(entry, v));
    }
    if (parts[0] === 'secrets' && parts[2] === 'versions' && req.method === 'GET') {
      if (!e) return notFound();
      return page(
        res,
        e.versions.map((v) => item(`${base}/secrets/${e.name}/${v.id}`, v)),
        url,
      );
    }
    if (parts[0] === 'secrets' && (parts.length === 2 || parts.length === 3) && (req.method === 'GET' || req.method === 'PATCH')) {
      if (!e) return notFound();
      const v = parts[2] ? e.versions.find((x) => x.id === parts[2]) : e.versions[e.versions.length - 1];
      if (!v) return notFound();
      if (req.method === 'PATCH') {
        const body = await readJson(req);
        const attrs = body.attributes as { enabled?: boolean } | undefined;
        if (attrs?.enabled !== undefined) v.enabled = attrs.enabled;
        if (body.tags) v.tags = body.tags as Record<string, string>;
        return sendJson(res, 200, { ...bundle(e, v), value: undefined });
      }
      if (!v.enabled)
        return sendJson(res, 403, {
          error: {
            code: 'Forbidden',
            message: 'Operation get is not allowed on a disabled secret.',
            innererror: { code: 'SecretDisabled' },
          },
        });
      return sendJson(res, 200, bundle(e, v));
    }
    if (parts[0] === 'secrets' && parts.length === 2 && req.method === 'DELETE') {
      if (!e) return notFound();
      live.delete(key);
      deleted.set(key, { ...e, deletedDate: Math.floor(Date.now() / 1000) });
      const last = e.versions[e.versions.length - 1];
      return sendJson(res, 200, {
        ...bundle(e, last),
        value: undefined,
        recoveryId: `${base}/deletedsecrets/${e.name}`,
        deletedDate: Math.floor(Date.now() / 1000),
      });
    }
    if (parts[0] === 'deletedsecrets' && parts.length === 2) {
      const d = deleted.get(key);
      if (!d) return azureError(res, 404, 'SecretNotFound', `Deleted Secret not found: ${parts[1]}`);
      if (req.method === 'DELETE') {
        deleted.delete(key);
        return sendJson(res, 204);
      }
      const last = d.versions[d.versions.length - 1];
      return sendJson(res, 200, {
        ...bundle(d, last),
        value: undefined,
        recoveryId: `${base}/deletedsecrets/${d.name}`,
        deletedDate: d.deletedDate,
      });
    }
    return azureError(res, 404, 'NotFound', 'no such route');
  });
  base = server.url;
  return {
    ...server,
    token,
    requests,
    get pageSize() {
      return state.pageSize;
    },
    set pageSize(n: number) {
      state.pageSize = n;
    },
  };
};
