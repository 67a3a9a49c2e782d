// A replay of the External Secrets Operator's Vault provider (KV v2 store with a `path`), taken from
// its source (providers/v1/vault: client_get.go, client_get_all_secrets.go, client_push.go): the
// same calls through the Go client, in the same order, with the same decisions between them. Only
// the parts a Vault server sees are kept; Kubernetes objects are plain values here.
import type { GoClient } from './go-client.js';

export class NoSecretError extends Error {
  constructor() {
    super('Secret does not exist');
  }
}

export interface EsoStore {
  client: GoClient;
  mount: string;
  checkAndSetRequired?: boolean;
}

const systemMetadataKeys = ['created_time', 'current_version', 'delete_version_after'];

/** Go's json.Marshal of a map: keys sorted. */
const goMarshal = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );

/** esutils.GetByteValueFromMap: a string as is, anything else as JSON. */
const byteValue = (v: unknown) => Buffer.from(typeof v === 'string' ? v : goMarshal(v));

/** A gjson path of plain dotted keys (what ExternalSecret `property: a.b` uses). */
const gjsonGet = (data: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), data);

export const createEsoVaultProvider = (store: EsoStore) => {
  const { client: c, mount } = store;
  // As ESO's buildPath/buildMetadataPath with store.path set: a key that already starts with the mount
  // (and data/) is not prefixed twice, so DeleteSecret's readSecret(buildPath(key)) reads the same path.
  const strip = (key: string) => {
    let out = key;
    if (out.startsWith(`${mount}/`)) {
      out = out.slice(mount.length + 1);
      if (out.startsWith('data/')) out = out.slice(5);
    }
    return out;
  };
  const buildPath = (key: string) => `${mount}/data/${strip(key)}`;
  const buildMetadataPath = (key: string) => `${mount}/metadata/${strip(key)}`;

  const readSecret = async (key: string, version = ''): Promise<Record<string, any>> => {
    const s = await c.read(buildPath(key), version ? { version: [version] } : undefined);
    if (!s) throw new NoSecretError();
    if (!s.data || !('data' in s.data)) throw new Error('failed to find data field');
    if (s.data.data === null) throw new NoSecretError();
    return s.data.data;
  };

  const readSecretMetadata = async (key: string): Promise<Record<string, string>> => {
    const s = await c.read(buildMetadataPath(key));
    if (!s) throw new Error('secret not found');
    const out: Record<string, string> = {};
    for (const k of systemMetadataKeys) if (s.data?.[k] !== undefined && s.data?.[k] !== null) out[k] = String(s.data[k]);
    const custom = s.data?.custom_metadata;
    if (custom && typeof custom === 'object') for (const [k, v] of Object.entries(custom)) out[k] = typeof v === 'string' ? v : String(v);
    return out;
  };

  const getSecretValue = (data: Record<string, unknown> | null, property: string): Buffer => {
    if (!data) throw new NoSecretError();
    if (property === '') return Buffer.from(goMarshal(data));
    if (Object.prototype.hasOwnProperty.call(data, property)) return byteValue(data[property]);
    const v = gjsonGet(data, property);
    if (v === undefined) throw new Error(`cannot find secret data for key: "${property}"`);
    return byteValue(v);
  };

  const getSecret = async (ref: { key: string; version?: string; property?: string; metadataPolicy?: 'None' | 'Fetch' }) => {
    const data = ref.metadataPolicy === 'Fetch' ? await readSecretMetadata(ref.key) : await readSecret(ref.key, ref.version ?? '');
    return getSecretValue(data, ref.property ?? '');
  };

  const listSecrets = async (path: string): Promise<string[]> => {
    const s = await c.list(buildMetadataPath(path));
    if (!s) throw new NoSecretError();
    const keys = s.data?.keys as string[] | undefined;
    if (!keys) return [];
    const out: string[] = [];
    for (const k of keys) {
      const full = path === '' ? k : path + k;
      if (!k.endsWith('/')) out.push(full);
      else out.push(...(await listSecrets(full)));
    }
    return out;
  };

  const getAllSecrets = async (find: { path?: string; name?: { regexp: string }; tags?: Record<string, string> }) => {
    const candidates = await listSecrets(find.path ? `${find.path}/` : '');
    const secrets: Record<string, string> = {};
    for (const name of candidates) {
      if (find.name) {
        if (!new RegExp(find.name.regexp).test(name)) continue;
      } else {
        const meta = await readSecretMetadata(name);
        if (!Object.entries(find.tags ?? {}).every(([k, v]) => meta[k] === v)) continue;
      }
      try {
        secrets[name] = (await getSecret({ key: name })).toString();
      } catch (e) {
        if (e instanceof NoSecretError) continue;
        throw e;
      }
    }
    return secrets;
  };

  const getCASVersion = async (key: string, exists: boolean) => {
    if (!exists) return 0;
    const s = await c.read(buildMetadataPath(key));
    if (!s?.data) return 1;
    return s.data.current_version === undefined ? 1 : Number(s.data.current_version);
  };

  /** PushSecret on a KV v2 store, default merge policy (Merge), no PushSecret metadata. */
  const pushSecret = async (value: Buffer, ref: { remoteKey: string; property?: string }) => {
    let vaultSecret: Record<string, any> | null = null;
    let exists = true;
    try {
      vaultSecret = await readSecret(ref.remoteKey);
    } catch (e) {
      if (e instanceof NoSecretError) exists = false;
      else throw e;
    }
    // reconcileData
    let merged: Record<string, any>;
    let dataNeedsUpdate: boolean;
    if (!ref.property) {
      try {
        merged = JSON.parse(value.toString());
      } catch {
        throw new Error('error unmarshalling incoming secret value: invalid JSON format');
      }
      dataNeedsUpdate = goMarshal(vaultSecret) !== goMarshal(merged);
    } else {
      merged = { ...(vaultSecret ?? {}) };
      dataNeedsUpdate = !(vaultSecret && typeof vaultSecret[ref.property] === 'string' && vaultSecret[ref.property] === value.toString());
      merged[ref.property] = value.toString();
    }
    const remoteMeta = exists ? await readSecretMetadata(ref.remoteKey) : {};
    // reconcileKV2Metadata
    const desired = { 'managed-by': 'external-secrets' };
    let finalMeta: Record<string, string> = desired;
    let metadataNeedsUpdate = true;
    if (exists) {
      if (remoteMeta['managed-by'] !== 'external-secrets') throw new Error('secret not managed by external-secrets');
      // remoteMeta also holds created_time, current_version and delete_version_after (readSecretMetadata
      // folds them in); merged with managed-by already present it is unchanged, so no metadata write.
      finalMeta = { ...remoteMeta, ...desired };
      metadataNeedsUpdate =
        Object.keys(finalMeta).length !== Object.keys(remoteMeta).length || Object.entries(finalMeta).some(([k, v]) => remoteMeta[k] !== v);
    }
    if (!dataNeedsUpdate && !metadataNeedsUpdate) return;
    if (metadataNeedsUpdate) await c.write(buildMetadataPath(ref.remoteKey), { custom_metadata: finalMeta });
    if (dataNeedsUpdate) {
      const body: Record<string, unknown> = { data: merged };
      if (store.checkAndSetRequired) body.options = { cas: await getCASVersion(ref.remoteKey, exists) };
      await c.write(buildPath(ref.remoteKey), body);
    }
  };

  /** DeleteSecret (PushSecret deletionPolicy Delete): only what ESO manages; a property alone when given. */
  const deleteSecret = async (ref: { remoteKey: string; property?: string }) => {
    let secretVal: Record<string, any>;
    try {
      secretVal = await readSecret(buildPath(ref.remoteKey));
    } catch (e) {
      if (e instanceof NoSecretError) return;
      throw e;
    }
    const meta = await readSecretMetadata(ref.remoteKey);
    if (meta['managed-by'] !== 'external-secrets') return;
    if (ref.property) {
      delete secretVal[ref.property];
      if (Object.keys(secretVal).length > 0) {
        await c.write(buildPath(ref.remoteKey), { data: secretVal });
        return;
      }
    }
    await c.delete(buildPath(ref.remoteKey));
    await c.delete(buildMetadataPath(ref.remoteKey));
  };

  return { readSecret, readSecretMetadata, getSecret, getAllSecrets, pushSecret, deleteSecret, buildPath, buildMetadataPath };
};
