// A local gRPC fake of Google Cloud Secret Manager v1 (test-only) built from the .proto files in
// @google-cloud/secret-manager: secrets, versions (enable/disable/destroy), version aliases, paging.
import { status } from '@grpc/grpc-js';
import { grpcError, loadGoogleService, startGrpc, unary } from './grpc-protos.js';

interface Version {
  n: number;
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  createTime: { seconds: string; nanos: number };
}
interface Secret {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  versionAliases: Record<string, string>;
  createTime: { seconds: string; nanos: number };
  versions: Version[];
  etag: string;
}

export interface FakeGcpSm {
  port: number;
  token: string;
  close(): Promise<void>;
}

const ts = () => ({ seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 });

export const startFakeGcpSm = async (token = 'gcp-test-token'): Promise<FakeGcpSm> => {
  const service = loadGoogleService(
    '@google-cloud/secret-manager',
    'google/cloud/secretmanager/v1/service.proto',
    'google.cloud.secretmanager.v1.SecretManagerService',
  );
  const secrets = new Map<string, Secret>();
  let etag = 0;
  const notFound = (what: string) => grpcError(status.NOT_FOUND, `${what} not found or has no versions.`);
  const get = (name: string) =>
    secrets.get(name) ??
    (() => {
      throw notFound(`Secret [${name}]`);
    })();
  const view = (s: Secret) => ({
    name: s.name,
    replication: { automatic: {} },
    createTime: s.createTime,
    labels: s.labels,
    annotations: s.annotations,
    versionAliases: s.versionAliases,
    etag: `"${s.etag}"`,
  });
  const vview = (s: Secret, v: Version) => ({
    name: `${s.name}/versions/${v.n}`,
    createTime: v.createTime,
    state: v.state,
    etag: `"v${v.n}"`,
  });
  /** Resolves projects/p/secrets/s/versions/<n|latest|alias>. */
  const resolve = (name: string) => {
    const m = /^(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/]+)$/.exec(name);
    if (!m) throw grpcError(status.INVALID_ARGUMENT, 'invalid version name');
    const s = get(m[1]);
    const id = m[2];
    const n =
      id === 'latest'
        ? Math.max(0, ...s.versions.filter((v) => v.state !== 'DESTROYED').map((v) => v.n))
        : /^\d+$/.test(id)
          ? Number(id)
          : Number(s.versionAliases[id] ?? 0);
    const v = s.versions.find((x) => x.n === n);
    if (!v) throw notFound(`Secret Version [${name}]`);
    return { s, v };
  };
  const page = <T>(items: T[], pageSize: number, pageToken: string) => {
    const start = Number(pageToken || 0);
    const size = pageSize || 25;
    return { items: items.slice(start, start + size), next: start + size < items.length ? String(start + size) : '' };
  };
  const setState = (state: Version['state']) => (req: { name: string }) => {
    const { s, v } = resolve(req.name);
    if (v.state === 'DESTROYED') throw grpcError(status.FAILED_PRECONDITION, 'version is destroyed');
    v.state = state;
    if (state === 'DESTROYED') v.data = Buffer.alloc(0);
    return vview(s, v);
  };

  const impl = {
    createSecret: unary(token, (req: { parent: string; secretId: string; secret: Partial<Secret> }) => {
      if (!/^[A-Za-z0-9_-]{1,255}$/.test(req.secretId)) throw grpcError(status.INVALID_ARGUMENT, 'invalid secret id');
      const name = `${req.parent}/secrets/${req.secretId}`;
      if (secrets.has(name)) throw grpcError(status.ALREADY_EXISTS, `Secret [${name}] already exists.`);
      const s: Secret = {
        name,
        labels: req.secret?.labels ?? {},
        annotations: req.secret?.annotations ?? {},
        versionAliases: req.secret?.versionAliases ?? {},
        createTime: ts(),
        versions: [],
        etag: String(++etag),
      };
      secrets.set(name, s);
      return view(s);
    }),
    getSecret: unary(token, (req: { name: string }) => view(get(req.name))),
    updateSecret: unary(token, (req: { secret: Secret; updateMask: { paths: string[] } }) => {
      const s = get(req.secret.name);
      for (const p of req.updateMask?.paths ?? []) {
        if (p === 'version_aliases') {
          for (const n of Object.values(req.secret.versionAliases ?? {}))
            if (!s.versions.some((v) => v.n === Number(n))) throw grpcError(status.INVALID_ARGUMENT, 'alias points at a missing version');
          s.versionAliases = req.secret.versionAliases ?? {};
        } else if (p === 'labels') s.labels = req.secret.labels ?? {};
        else if (p === 'annotations') s.annotations = req.secret.annotations ?? {};
        else throw grpcError(status.INVALID_ARGUMENT, `unsupported update mask path ${p}`);
      }
      s.etag = String(++etag);
      return view(s);
    }),
    deleteSecret: unary(token, (req: { name: string }) => {
      get(req.name);
      secrets.delete(req.name);
      return {};
    }),
    listSecrets: unary(token, (req: { parent: string; pageSize: number; pageToken: string }) => {
      const all = [...secrets.values()]
        .filter((s) => s.name.startsWith(`${req.parent}/secrets/`))
        .sort((a, b) => a.name.localeCompare(b.name));
      const { items, next } = page(all, req.pageSize, req.pageToken);
      return { secrets: items.map(view), nextPageToken: next, totalSize: all.length };
    }),
    addSecretVersion: unary(token, (req: { parent: string; payload: { data: Buffer } }) => {
      const s = get(req.parent);
      if (req.payload.data.length > 65536) throw grpcError(status.INVALID_ARGUMENT, 'payload too large');
      const v: Version = {
        n: (s.versions[s.versions.length - 1]?.n ?? 0) + 1,
        data: Buffer.from(req.payload.data),
        state: 'ENABLED',
        createTime: ts(),
      };
      s.versions.push(v);
      return vview(s, v);
    }),
    getSecretVersion: unary(token, (req: { name: string }) => {
      const { s, v } = resolve(req.name);
      return vview(s, v);
    }),
    listSecretVersions: unary(token, (req: { parent: string; pageSize: number; pageToken: string }) => {
      const s = get(req.parent);
      const all = [...s.versions].reverse();
      const { items, next } = page(all, req.pageSize, req.pageToken);
      return { versions: items.map((v) => vview(s, v)), nextPageToken: next, totalSize: all.length };
    }),
    accessSecretVersion: unary(token, (req: { name: string }) => {
      const { s, v } = resolve(req.name);
      if (v.state !== 'ENABLED')
        throw grpcError(status.FAILED_PRECONDITION, `Secret Version [${s.name}/versions/${v.n}] is in ${v.state} state.`);
      return { name: `${s.name}/versions/${v.n}`, payload: { data: v.data } };
    }),
    disableSecretVersion: unary(token, setState('DISABLED')),
    enableSecretVersion: unary(token, setState('ENABLED')),
    destroySecretVersion: unary(token, setState('DESTROYED')),
  };
  const server = await startGrpc(service, impl);
  return { port: server.port, token, close: server.close };
};
