// Vault KV v2 wire shapes: the response envelope, version metadata, secret metadata, and the mapping
// between Keyhaven values and KV data (a JSON object value is the data map; a string is {value}).
import type { VersionInfo } from '../secrets/secret-types.js';
import type { SecretService } from '../secrets/secret-service.js';

type SecretDescription = Awaited<ReturnType<SecretService['describe']>>;

export const envelope = (requestId: string, data: unknown) => ({
  request_id: requestId,
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data,
  wrap_info: null,
  warnings: null,
  auth: null,
});

/** Keyhaven value → KV v2 data map. */
export const toKvData = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : { value: typeof value === 'string' ? value : JSON.stringify(value) };

export const versionMetadata = (
  v: Pick<VersionInfo, 'version' | 'created_at' | 'state' | 'destroyed_at'>,
  deletedAt: string | null,
  latest: number,
  customMetadata: Record<string, string> | null,
) => ({
  created_time: v.created_at,
  custom_metadata: customMetadata && Object.keys(customMetadata).length ? customMetadata : null,
  // Keyhaven soft-deletes a whole secret; in KV terms that is the deletion of its latest version.
  deletion_time: deletedAt && v.version === latest ? deletedAt : '',
  destroyed: v.state === 'destroyed',
  version: v.version,
});

export const secretMetadata = (d: SecretDescription) => {
  const versions: Record<string, unknown> = {};
  for (const v of [...d.versions].sort((a, b) => a.version - b.version)) {
    const m = versionMetadata(v, d.deleted_at, d.latest_version, null);
    versions[String(v.version)] = { created_time: m.created_time, deletion_time: m.deletion_time, destroyed: m.destroyed };
  }
  const live = d.versions.filter((v) => v.state !== 'destroyed').map((v) => v.version);
  return {
    cas_required: false,
    created_time: d.created_at,
    current_version: d.latest_version,
    custom_metadata: Object.keys(d.metadata).length ? d.metadata : null,
    delete_version_after: '0s',
    max_versions: d.max_versions,
    oldest_version: live.length ? Math.min(...live) : 0,
    updated_time: d.updated_at,
    versions,
  };
};

/** Immediate children of `prefix` among secret names: leaf names, and folders with a trailing "/". */
export const listKeys = (names: string[], prefix: string): string[] => {
  const keys = new Set<string>();
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const rest = n.slice(prefix.length);
    const i = rest.indexOf('/');
    keys.add(i < 0 ? rest : rest.slice(0, i + 1));
  }
  return [...keys].filter(Boolean).sort();
};
