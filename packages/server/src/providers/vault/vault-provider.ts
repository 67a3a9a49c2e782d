// The Vault provider: HashiCorp Vault / OpenBao KV version 2 over HTTP. Each secret is one KV path
// whose data holds the value under `valueKey`; versions come from KV metadata, CAS from options.cas.
import { z } from 'zod';
import { fail } from '../../lib/errors.js';
import { capabilityMissing, checkName, checkSize, notFound, providerError } from '../provider-support.js';
import type {
  Label,
  Provider,
  ProviderCapabilities,
  ProviderDefinition,
  ProviderSecretInfo,
  ProviderSecretVersion,
} from '../provider-types.js';
import { createVaultHttp, type VaultResponse } from './vault-http.js';

const KIND = 'vault';
const NAME = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[^/\u0000-\u001f]+(?:\/[^/\u0000-\u001f]+)*$/;
const NAME_RULE = 'a path of non-empty segments separated by "/", without "." or ".." segments or control characters';
const DESCRIPTION_KEY = 'keyhaven-description';

export const vaultConfigSchema = z
  .object({
    address: z.string().url(),
    mount: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/)
      .default('secret'),
    namespace: z.string().min(1).optional(),
    pathPrefix: z
      .string()
      .regex(/^[^/].*\/$|^$/, 'must be empty or end with "/" and not start with "/"')
      .default(''),
    valueKey: z.string().min(1).default('value'),
    approleMount: z.string().min(1).default('approle'),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();
export type VaultConfig = z.infer<typeof vaultConfigSchema>;

export const vaultCredentialSchema = z.union([
  z.object({ token: z.string().min(1) }).strict(),
  z.object({ roleId: z.string().min(1), secretId: z.string().min(1) }).strict(),
]);
export type VaultCredential = z.infer<typeof vaultCredentialSchema>;

export const vaultCapabilities: ProviderCapabilities = {
  versions: true,
  labels: false,
  cas: true,
  disableVersions: false,
  writable: true,
  maxValueBytes: 1024 * 1024,
  nameRule: NAME_RULE,
};

interface Metadata {
  current_version: number;
  versions: Record<string, { created_time?: string; deletion_time?: string; destroyed?: boolean }>;
  custom_metadata?: Record<string, string> | null;
}

export const createVaultProvider = (config: VaultConfig, credential: VaultCredential): Provider => {
  const http = createVaultHttp({
    address: config.address,
    namespace: config.namespace,
    timeoutMs: config.timeoutMs,
    auth: 'token' in credential ? { token: credential.token } : { ...credential, mount: config.approleMount },
  });
  const enc = (name: string) => (config.pathPrefix + name).split('/').map(encodeURIComponent).join('/');
  const data = (name: string) => `/v1/${config.mount}/data/${enc(name)}`;
  const meta = (name: string) => `/v1/${config.mount}/metadata/${enc(name)}`;
  const check = (name: string) => checkName(name, NAME, NAME_RULE, KIND);
  const unexpected = (r: VaultResponse) => providerError('PROVIDER_ERROR', KIND, `Vault answered HTTP ${r.status}.`, { status: r.status });
  const valueOf = (d: Record<string, unknown>) => {
    const v = d[config.valueKey];
    return typeof v === 'string' && Object.keys(d).length === 1 ? v : JSON.stringify(d);
  };

  const metadata = async (name: string): Promise<Metadata | undefined> => {
    const r = await http.request('GET', meta(name));
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw unexpected(r);
    return r.body?.data as Metadata;
  };

  const put = async (name: string, value: string, cas?: number): Promise<ProviderSecretVersion> => {
    const r = await http.request('POST', data(name), {
      data: { [config.valueKey]: value },
      ...(cas === undefined ? {} : { options: { cas } }),
    });
    if (r.status === 400 && http.errors(r).some((e) => e.includes('check-and-set'))) {
      // Vault signals CAS failures only through this error text; no code exists.
      throw cas === 0
        ? fail('PROVIDER_SECRET_EXISTS', `vault: ${name} already exists; write a new version instead.`, { kind: KIND, name })
        : fail('PROVIDER_CAS_MISMATCH', undefined, { kind: KIND, name });
    }
    if (r.status !== 200 && r.status !== 204) throw unexpected(r);
    const d = r.body?.data as { version: number; created_time?: string };
    return { name, version: String(d.version), value, labels: ['current'], createdAt: d.created_time };
  };

  const listDir = async (dir: string): Promise<string[]> => {
    const r = await http.request('GET', `/v1/${config.mount}/metadata/${dir.split('/').map(encodeURIComponent).join('/')}?list=true`);
    if (r.status === 404) return [];
    if (r.status !== 200) throw unexpected(r);
    return ((r.body?.data as { keys?: string[] })?.keys ?? []).map((k) => dir + k);
  };

  return {
    kind: KIND,
    async testConnection() {
      const r = await http.request('GET', '/v1/auth/token/lookup-self');
      if (r.status !== 200) throw unexpected(r);
      return { ok: true, details: `${config.address} mount ${config.mount}` };
    },
    async create(name, value, opts) {
      check(name);
      checkSize(value, vaultCapabilities, KIND);
      const v = await put(name, value, 0);
      const custom = { ...(opts?.tags ?? {}), ...(opts?.description ? { [DESCRIPTION_KEY]: opts.description } : {}) };
      if (Object.keys(custom).length) {
        const r = await http.request('POST', meta(name), { custom_metadata: custom });
        if (r.status >= 300) throw unexpected(r);
      }
      return v;
    },
    async read(name, ref) {
      check(name);
      if (ref?.label && ref.label !== 'current')
        throw capabilityMissing(KIND, `the "${ref.label}" label (Vault KV has versions, not labels)`);
      if (ref?.version !== undefined && !/^[1-9]\d*$/.test(ref.version)) throw notFound(KIND, name, ref);
      const r = await http.request('GET', data(name) + (ref?.version ? `?version=${ref.version}` : ''));
      if (r.status === 404) throw notFound(KIND, name, ref);
      if (r.status !== 200) throw unexpected(r);
      const d = r.body?.data as { data: Record<string, unknown>; metadata: { version: number; created_time?: string } };
      let labels: Label[] = ['current'];
      if (ref?.version) labels = (await metadata(name))?.current_version === d.metadata.version ? ['current'] : [];
      return { name, version: String(d.metadata.version), value: valueOf(d.data), labels, createdAt: d.metadata.created_time };
    },
    async write(name, value, opts) {
      check(name);
      checkSize(value, vaultCapabilities, KIND);
      if (opts?.label === 'pending') throw capabilityMissing(KIND, 'staging a pending version (Vault KV has no labels)');
      if (opts?.cas !== undefined && !/^\d+$/.test(opts.cas))
        throw fail('PROVIDER_CAS_MISMATCH', 'vault: the cas value must be a version number (0 for "must not exist").', {
          kind: KIND,
          name,
        });
      return put(name, value, opts?.cas === undefined ? undefined : Number(opts.cas));
    },
    async list(prefix = '') {
      const full = config.pathPrefix + prefix;
      const out: string[] = [];
      const walk = async (dir: string) => {
        for (const key of await listDir(dir)) {
          if (key.endsWith('/')) {
            if (key.startsWith(full) || full.startsWith(key)) await walk(key);
          } else if (key.startsWith(full)) out.push(key.slice(config.pathPrefix.length));
        }
      };
      await walk(full.slice(0, full.lastIndexOf('/') + 1));
      return out.sort();
    },
    async describe(name): Promise<ProviderSecretInfo> {
      check(name);
      const m = await metadata(name);
      if (!m || m.current_version === 0) throw notFound(KIND, name);
      const { [DESCRIPTION_KEY]: description, ...tags } = m.custom_metadata ?? {};
      const versions = Object.entries(m.versions).map(([version, v]) => ({
        version,
        labels: (Number(version) === m.current_version ? ['current'] : []) as Label[],
        enabled: !v.deletion_time && !v.destroyed,
        createdAt: v.created_time,
      }));
      return { name, versions, tags, ...(description ? { description } : {}) };
    },
    async delete(name, opts) {
      check(name);
      const r = await http.request('DELETE', opts?.force ? meta(name) : data(name));
      if (r.status >= 300 && r.status !== 404) throw unexpected(r);
    },
  };
};

export const vaultDefinition: ProviderDefinition<VaultConfig> = {
  kind: KIND,
  displayName: 'HashiCorp Vault / OpenBao (KV v2)',
  description: 'Secrets on a KV version 2 mount, with token or AppRole auth, namespaces, versions and check-and-set.',
  configSchema: vaultConfigSchema,
  credentialSchema: vaultCredentialSchema,
  capabilities: vaultCapabilities,
  destinations: (c) => [[c.address, 'address']],
  create: async (config, credential) => {
    const r = vaultCredentialSchema.safeParse(credential);
    if (!r.success)
      throw fail('PROVIDER_CONFIG_INVALID', 'vault: the credential needs either { token } or { roleId, secretId }.', {
        kind: KIND,
        fields: r.error.issues.map((i) => i.path.join('.')),
      });
    return createVaultProvider(config, r.data);
  },
};
