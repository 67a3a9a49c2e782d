// The Google Cloud Secret Manager provider: numbered versions with enable/disable; the labels
// current/pending/previous are emulated with the Secret's versionAliases (no alias: current = latest).
// Imports the Google/gRPC SDKs, so only gcp-sm-definition.ts's create loads it (lazily); schemas live there.
import * as grpc from '@grpc/grpc-js';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { fail } from '../../lib/errors.js';
import { capabilityMissing, checkName, checkSize, notFound } from '../provider-support.js';
import type { Label, Provider, ProviderSecretVersion } from '../provider-types.js';
import { GCP_SM_KIND, GCP_SM_NAME, GCP_SM_NAME_RULE, gcpSmCapabilities } from './gcp-sm-constants.js';
import type { GcpCredential, GcpSmConfig } from './gcp-sm-definition.js';
import { gcpCall } from './gcp-sm-errors.js';

// Re-exported so existing importers of this module keep working (types erased, constants from
// gcp-sm-constants.js); the schemas and the definition object are in gcp-sm-definition.js.
export { gcpSmCapabilities } from './gcp-sm-constants.js';
export type { GcpCredential, GcpSmConfig } from './gcp-sm-definition.js';

const KIND = GCP_SM_KIND;
const NAME = GCP_SM_NAME;
const NAME_RULE = GCP_SM_NAME_RULE;
const LABELS: Label[] = ['current', 'pending', 'previous'];
const DESCRIPTION = 'keyhaven-description';

type Aliases = Partial<Record<string, string>>;

export const createGcpSmProvider = (config: GcpSmConfig, credential?: GcpCredential): Provider => {
  const token = credential && 'accessToken' in credential ? credential.accessToken : undefined;
  const client = new SecretManagerServiceClient({
    projectId: config.project,
    ...(config.apiEndpoint ? { apiEndpoint: config.apiEndpoint } : {}),
    ...(config.port ? { port: config.port } : {}),
    // With an access token, the channel carries no call credentials; the token goes in each call's metadata.
    ...(config.insecure ? { sslCreds: grpc.credentials.createInsecure() } : token ? { sslCreds: grpc.credentials.createSsl() } : {}),
    ...(credential && 'serviceAccountKey' in credential ? { credentials: credential.serviceAccountKey } : {}),
  });
  const endpoint = `${config.apiEndpoint ?? 'secretmanager.googleapis.com'}${config.port ? `:${config.port}` : ''}`;
  const opts = () => ({
    timeout: config.timeoutMs,
    retry: null,
    ...(token ? { otherArgs: { headers: { authorization: `Bearer ${token}` } } } : {}),
  });
  const parent = `projects/${config.project}`;
  const path = (name: string) => `${parent}/secrets/${name}`;
  const call = <T>(name: string, fn: () => Promise<T>, ref?: { version?: string; label?: Label }) =>
    gcpCall(fn, endpoint, () => notFound(KIND, name, ref));
  const check = (name: string) => checkName(name, NAME, NAME_RULE, KIND);
  const num = (versionName?: string | null) => (versionName ?? '').split('/').pop() ?? '';

  const getSecret = async (name: string) => {
    const [s] = await call(name, () => client.getSecret({ name: path(name) }, opts()));
    return { secret: s, aliases: Object.fromEntries(Object.entries(s.versionAliases ?? {}).map(([k, v]) => [k, String(v)])) as Aliases };
  };
  const latest = async (name: string) => {
    try {
      const [v] = await call(name, () => client.getSecretVersion({ name: `${path(name)}/versions/latest` }, opts()));
      return num(v.name);
    } catch (e) {
      if ((e as { code?: string }).code === 'PROVIDER_SECRET_NOT_FOUND') return undefined;
      throw e;
    }
  };
  const currentOf = async (name: string, aliases: Aliases) => aliases.current ?? (await latest(name));
  const setAliases = (name: string, aliases: Aliases) =>
    call(name, () =>
      client.updateSecret(
        { secret: { name: path(name), versionAliases: aliases as Record<string, string> }, updateMask: { paths: ['version_aliases'] } },
        opts(),
      ),
    );
  const labelsFor = (n: string, aliases: Aliases, current?: string): Label[] =>
    LABELS.filter((l) => (l === 'current' ? (aliases.current ?? current) === n : aliases[l] === n));
  const addVersion = async (name: string, value: string) => {
    const [v] = await call(name, () =>
      client.addSecretVersion({ parent: path(name), payload: { data: Buffer.from(value, 'utf8') } }, opts()),
    );
    return num(v.name);
  };

  const provider: Provider = {
    kind: KIND,
    async testConnection() {
      await call('', () => client.listSecrets({ parent, pageSize: 1 }, { ...opts(), autoPaginate: false }));
      return { ok: true, details: `${endpoint} project ${config.project}` };
    },
    async create(name, value, o) {
      check(name);
      checkSize(value, gcpSmCapabilities, KIND);
      const annotations: Record<string, string> = o?.description ? { [DESCRIPTION]: o.description } : {};
      await call(name, () =>
        client.createSecret(
          { parent, secretId: name, secret: { replication: { automatic: {} }, labels: o?.tags ?? {}, annotations } },
          opts(),
        ),
      );
      return { name, version: await addVersion(name, value), value, labels: ['current'] };
    },
    async read(name, ref) {
      check(name);
      if (ref?.version !== undefined && !/^[1-9]\d*$/.test(ref.version)) throw notFound(KIND, name, ref);
      const { aliases } = await getSecret(name);
      const label = ref?.label ?? 'current';
      const target = ref?.version ?? aliases[label] ?? (label === 'current' ? 'latest' : undefined);
      if (!target) throw notFound(KIND, name, ref);
      const [r] = await call(name, () => client.accessSecretVersion({ name: `${path(name)}/versions/${target}` }, opts()), ref);
      const n = num(r.name);
      const current = target === 'latest' ? n : (aliases.current ?? (ref?.version ? await latest(name) : undefined));
      const data = r.payload?.data;
      const value = typeof data === 'string' ? data : Buffer.from(data ?? []).toString('utf8');
      return { name, version: n, value, labels: labelsFor(n, aliases, current) };
    },
    async write(name, value, o): Promise<ProviderSecretVersion> {
      check(name);
      checkSize(value, gcpSmCapabilities, KIND);
      if (o?.cas !== undefined) throw capabilityMissing(KIND, 'check-and-set writes');
      let aliases: Aliases;
      try {
        ({ aliases } = await getSecret(name));
      } catch (e) {
        if ((e as { code?: string }).code !== 'PROVIDER_SECRET_NOT_FOUND') throw e;
        if (o?.label === 'pending')
          throw fail(
            'PROVIDER_SECRET_NOT_FOUND',
            `gcp-sm: ${name} does not exist; a pending value can only be staged on an existing secret.`,
            { kind: KIND, name },
          );
        return provider.create(name, value);
      }
      const oldCurrent = await currentOf(name, aliases);
      const n = await addVersion(name, value);
      const next: Aliases = { ...aliases };
      if (o?.label === 'pending') {
        next.pending = n;
        if (oldCurrent) next.current = oldCurrent; // pin current: "latest" is now the pending version
      } else {
        if (oldCurrent) next.previous = oldCurrent;
        if (aliases.current) next.current = n;
      }
      await setAliases(name, next);
      return { name, version: n, value, labels: o?.label === 'pending' ? ['pending'] : ['current'] };
    },
    async moveLabel(name, label, toVersion) {
      check(name);
      const { aliases } = await getSecret(name);
      const next: Aliases = { ...aliases, [label]: toVersion };
      if (label === 'current') {
        const old = await currentOf(name, aliases);
        if (old && old !== toVersion) next.previous = old;
      }
      await setAliases(name, next);
    },
    async promote(name, version) {
      check(name);
      const { aliases } = await getSecret(name);
      const old = await currentOf(name, aliases);
      const { pending: _p, ...rest } = aliases;
      await setAliases(name, { ...rest, current: version, ...(old && old !== version ? { previous: old } : {}) });
    },
    async setVersionEnabled(name, version, enabled) {
      check(name);
      const req = { name: `${path(name)}/versions/${version}` };
      await call(name, () => (enabled ? client.enableSecretVersion(req, opts()) : client.disableSecretVersion(req, opts())), { version });
    },
    async list(prefix = '') {
      const out: string[] = [];
      let pageToken: string | undefined;
      do {
        const [secrets, nextReq] = await call('', () =>
          client.listSecrets({ parent, pageSize: 250, pageToken }, { ...opts(), autoPaginate: false }),
        );
        for (const s of secrets) {
          const n = num(s.name);
          if (n.startsWith(prefix)) out.push(n);
        }
        pageToken = nextReq?.pageToken || undefined;
      } while (pageToken);
      return out.sort();
    },
    async describe(name) {
      check(name);
      const { secret, aliases } = await getSecret(name);
      const versions: Array<{ version: string; enabled: boolean; createdAt?: string }> = [];
      let pageToken: string | undefined;
      do {
        const [vs, nextReq] = await call(name, () =>
          client.listSecretVersions({ parent: path(name), pageSize: 250, pageToken }, { ...opts(), autoPaginate: false }),
        );
        for (const v of vs) {
          if (v.state === 'DESTROYED') continue;
          versions.push({
            version: num(v.name),
            enabled: v.state === 'ENABLED',
            createdAt: v.createTime?.seconds ? new Date(Number(v.createTime.seconds) * 1000).toISOString() : undefined,
          });
        }
        pageToken = nextReq?.pageToken || undefined;
      } while (pageToken);
      const current =
        aliases.current ??
        versions
          .filter((v) => v.enabled)
          .map((v) => v.version)
          .sort((a, b) => Number(b) - Number(a))[0];
      const { [DESCRIPTION]: description } = secret.annotations ?? {};
      return {
        name,
        tags: { ...(secret.labels ?? {}) },
        ...(description ? { description } : {}),
        versions: versions.map((v) => ({ ...v, labels: labelsFor(v.version, aliases, current) })),
      };
    },
    async delete(name) {
      check(name);
      await call(name, () => client.deleteSecret({ name: path(name) }, opts()));
    },
    async close() {
      await client.close();
    },
  };
  return provider;
};
