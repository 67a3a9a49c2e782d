// The Azure Key Vault provider: secrets with versions, tags and per-version enable/disable. Names
// map "/" and "_" to "-" with collision checks (see azure-names.ts); force delete also purges.
// Imports the Azure SDKs, so only azure-kv-definition.ts's create loads it (lazily); schemas live there.
import { ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { SecretClient, type KeyVaultSecret } from '@azure/keyvault-secrets';
import { fail, isKeyhavenError } from '../../lib/errors.js';
import { capabilityMissing, checkSize } from '../provider-support.js';
import type { Label, Provider, ProviderSecretVersion } from '../provider-types.js';
import { AZURE_KV_KIND, azureKvCapabilities } from './azure-kv-constants.js';
import type { AzureClientSecret, AzureKvConfig } from './azure-kv-definition.js';
import { mapAzureError } from './azure-kv-errors.js';
import { assertOwner, DESCRIPTION_TAG, keyhavenName, NAME_TAG, toAzureName } from './azure-names.js';

// Re-exported so existing importers of this module keep working (types erased, constants from
// azure-kv-constants.js); the schemas and the definition object are in azure-kv-definition.js.
export { azureKvCapabilities } from './azure-kv-constants.js';
export type { AzureClientSecret, AzureKvConfig } from './azure-kv-definition.js';

const KIND = AZURE_KV_KIND;

const isTokenCredential = (c: unknown): c is TokenCredential => typeof (c as TokenCredential)?.getToken === 'function';

export const createAzureKvProvider = (config: AzureKvConfig, credential: TokenCredential | AzureClientSecret): Provider => {
  const tokenCredential = isTokenCredential(credential)
    ? credential
    : new ClientSecretCredential(
        credential.tenantId,
        credential.clientId,
        credential.clientSecret,
        config.authorityHost ? { authorityHost: config.authorityHost } : {},
      );
  const client = new SecretClient(config.vaultUrl, tokenCredential, {
    allowInsecureConnection: config.allowInsecureConnection,
    disableChallengeResourceVerification: config.disableChallengeResourceVerification,
    retryOptions: { maxRetries: config.maxRetries, retryDelayInMs: 300, maxRetryDelayInMs: 5000 },
  });
  const opts = () => ({ abortSignal: AbortSignal.timeout(config.timeoutMs) });
  const call = async <T>(name: string, fn: () => Promise<T>, ref?: { version?: string }): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw isKeyhavenError(e) ? e : mapAzureError(e, config.vaultUrl, name, ref);
    }
  };
  const toVersion = (name: string, s: KeyVaultSecret, latest: boolean): ProviderSecretVersion => ({
    name,
    version: s.properties.version!,
    value: s.value ?? '',
    labels: latest ? ['current'] : [],
    createdAt: s.properties.createdOn?.toISOString(),
  });
  /** The latest version, or undefined when the secret does not exist; checks ownership of the Azure name. */
  const latest = async (name: string, azureName: string): Promise<KeyVaultSecret | undefined> => {
    let s: KeyVaultSecret;
    try {
      s = await client.getSecret(azureName, opts());
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw mapAzureError(e, config.vaultUrl, name);
    }
    assertOwner(name, azureName, s.properties.tags);
    return s;
  };
  const put = async (name: string, azureName: string, value: string, tags: Record<string, string>) =>
    toVersion(name, await call(name, () => client.setSecret(azureName, value, { ...opts(), tags: { ...tags, [NAME_TAG]: name } })), true);

  return {
    kind: KIND,
    async testConnection() {
      await call('', async () => {
        for await (const _page of client.listPropertiesOfSecrets(opts()).byPage({ maxPageSize: 1 })) break;
      });
      return { ok: true, details: config.vaultUrl };
    },
    async create(name, value, o) {
      const azureName = toAzureName(name);
      checkSize(value, azureKvCapabilities, KIND);
      if (await latest(name, azureName))
        throw fail('PROVIDER_SECRET_EXISTS', `azure-kv: ${name} already exists; write a new version instead.`, { kind: KIND, name });
      return put(name, azureName, value, { ...(o?.tags ?? {}), ...(o?.description ? { [DESCRIPTION_TAG]: o.description } : {}) });
    },
    async read(name, ref) {
      const azureName = toAzureName(name);
      if (ref?.label && ref.label !== 'current')
        throw capabilityMissing(KIND, `the "${ref.label}" label (Key Vault has versions, not labels)`);
      const cur = await latest(name, azureName);
      if (!cur) throw mapAzureError({ statusCode: 404 }, config.vaultUrl, name);
      if (!ref?.version || ref.version === cur.properties.version) return toVersion(name, cur, true);
      if (!/^[0-9a-fA-F]{32}$/.test(ref.version)) throw mapAzureError({ statusCode: 404 }, config.vaultUrl, name, ref);
      return toVersion(name, await call(name, () => client.getSecret(azureName, { ...opts(), version: ref.version }), ref), false);
    },
    async write(name, value, o) {
      const azureName = toAzureName(name);
      checkSize(value, azureKvCapabilities, KIND);
      if (o?.label === 'pending') throw capabilityMissing(KIND, 'staging a pending version (Key Vault has no labels)');
      if (o?.cas !== undefined) throw capabilityMissing(KIND, 'check-and-set writes');
      const cur = await latest(name, azureName);
      return put(name, azureName, value, cur?.properties.tags ?? {});
    },
    async setVersionEnabled(name, version, enabled) {
      const azureName = toAzureName(name);
      await latest(name, azureName);
      await call(name, () => client.updateSecretProperties(azureName, version, { ...opts(), enabled }), { version });
    },
    async list(prefix = '') {
      const out: string[] = [];
      await call('', async () => {
        for await (const p of client.listPropertiesOfSecrets(opts())) {
          if (p.managed) continue;
          const n = keyhavenName(p.name, p.tags);
          if (n.startsWith(prefix)) out.push(n);
        }
      });
      return out.sort();
    },
    async describe(name) {
      const azureName = toAzureName(name);
      const cur = await latest(name, azureName);
      if (!cur) throw mapAzureError({ statusCode: 404 }, config.vaultUrl, name);
      const versions: Array<{ version: string; labels: Label[]; enabled?: boolean; createdAt?: string }> = [];
      await call(name, async () => {
        for await (const v of client.listPropertiesOfSecretVersions(azureName, opts())) {
          versions.push({
            version: v.version!,
            labels: v.version === cur.properties.version ? ['current'] : [],
            enabled: v.enabled,
            createdAt: v.createdOn?.toISOString(),
          });
        }
      });
      const { [NAME_TAG]: _n, [DESCRIPTION_TAG]: description, ...tags } = cur.properties.tags ?? {};
      return { name, versions, tags, ...(description ? { description } : {}) };
    },
    async delete(name, o) {
      const azureName = toAzureName(name);
      if (!(await latest(name, azureName))) throw mapAzureError({ statusCode: 404 }, config.vaultUrl, name);
      await call(name, async () => {
        const poller = await client.beginDeleteSecret(azureName, { ...opts(), intervalInMs: 200 });
        if (o?.force) {
          await poller.pollUntilDone();
          await client.purgeDeletedSecret(azureName, opts());
        }
      });
    },
  };
};
