// A local fake of the Kubernetes API server for core/v1 Secrets (test-only): bearer-token auth,
// create/read/replace/delete/list with resourceVersion, 409 Conflict on a stale version, paging.
import { readJson, sendJson, startHttp, type FakeServer } from './http-fake.js';

type Secret = {
  apiVersion: 'v1';
  kind: 'Secret';
  type: string;
  metadata: Record<string, unknown> & { name: string; namespace: string; resourceVersion: string; labels?: Record<string, string> };
  data?: Record<string, string>;
};

export interface FakeK8s extends FakeServer {
  token: string;
  /** Makes the next N replaces fail with 409 as if another writer got there first. */
  injectConflicts(n: number): void;
  puts: number;
}

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

export const startFakeK8s = async (token = 'k8s-test-token'): Promise<FakeK8s> => {
  const store = new Map<string, Secret>();
  let rv = 1000;
  let conflicts = 0;
  const state = { puts: 0 };
  const normalise = (body: Record<string, unknown>, ns: string, name: string): Secret => {
    const data = { ...((body.data as Record<string, string>) ?? {}) };
    for (const [k, v] of Object.entries((body.stringData as Record<string, string>) ?? {})) data[k] = Buffer.from(v).toString('base64');
    const meta = (body.metadata ?? {}) as Record<string, unknown>;
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: String(body.type ?? 'Opaque'),
      metadata: { ...meta, name, namespace: ns, resourceVersion: String(++rv) },
      data,
    };
  };

  const server = await startHttp(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const ns = decodeURIComponent(m[1]);
    const name = m[2] && decodeURIComponent(m[2]);
    const key = `${ns}/${name}`;
    const existing = name ? store.get(key) : undefined;
    const notFound = () => sendJson(res, 404, status(404, 'NotFound', `secrets "${name}" not found`));

    if (!name && req.method === 'GET') {
      const selector = url.searchParams.get('labelSelector');
      const [sk, sv] = selector ? selector.split('=') : [];
      const all = [...store.values()]
        .filter((s) => s.metadata.namespace === ns && (!sk || s.metadata.labels?.[sk] === sv))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      const limit = Number(url.searchParams.get('limit') ?? 0) || all.length;
      const start = Number(url.searchParams.get('continue') ?? 0);
      const items = all.slice(start, start + limit);
      const next = start + limit < all.length ? String(start + limit) : undefined;
      return sendJson(res, 200, {
        kind: 'SecretList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(rv), ...(next ? { continue: next } : {}) },
        items,
      });
    }
    if (!name && req.method === 'POST') {
      const body = await readJson(req);
      const n = String((body.metadata as { name?: string })?.name ?? '');
      if (store.has(`${ns}/${n}`)) return sendJson(res, 409, status(409, 'AlreadyExists', `secrets "${n}" already exists`));
      const s = normalise(body, ns, n);
      s.metadata.creationTimestamp = new Date().toISOString();
      s.metadata.uid = `uid-${rv}`;
      store.set(`${ns}/${n}`, s);
      return sendJson(res, 201, s);
    }
    if (req.method === 'GET') return existing ? sendJson(res, 200, existing) : notFound();
    if (req.method === 'PUT') {
      const body = await readJson(req);
      if (!existing) return notFound();
      state.puts++;
      const given = (body.metadata as { resourceVersion?: string })?.resourceVersion;
      if (conflicts > 0 || (given && given !== existing.metadata.resourceVersion)) {
        if (conflicts > 0) {
          conflicts--;
          existing.metadata.resourceVersion = String(++rv);
        }
        return sendJson(
          res,
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          ),
        );
      }
      const s = normalise(body, ns, name);
      s.metadata.creationTimestamp = existing.metadata.creationTimestamp;
      s.metadata.uid = existing.metadata.uid;
      store.set(key, s);
      return sendJson(res, 200, s);
    }
    if (req.method === 'DELETE') {
      if (!existing) return notFound();
      store.delete(key);
      return sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: 'secrets' } });
    }
    return sendJson(res, 405, status(405, 'MethodNotAllowed', 'method not allowed'));
  });
  return {
    ...server,
    token,
    injectConflicts: (n) => {
      conflicts = n;
    },
    get puts() {
      return state.puts;
    },
  };
};
