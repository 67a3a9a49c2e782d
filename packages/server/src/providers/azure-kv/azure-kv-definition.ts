// The Azure Key Vault provider's definition: kind, schemas and capabilities, loadable without the Azure
// SDKs. `create` imports azure-kv-provider.ts (@azure/identity, @azure/keyvault-secrets) on first use.
import { z } from 'zod';
import { fail } from '../../lib/errors.js';
import type { ProviderDefinition } from '../provider-types.js';
import { AZURE_KV_KIND, azureKvCapabilities } from './azure-kv-constants.js';
export { AZURE_KV_KIND, azureKvCapabilities } from './azure-kv-constants.js';

export const azureKvConfigSchema = z
  .object({
    vaultUrl: z.string().url(),
    authorityHost: z.string().url().optional(),
    maxRetries: z.number().int().min(0).max(10).default(3),
    timeoutMs: z.number().int().positive().default(15_000),
    /** Development only: plain-http vaults (local emulators). */
    allowInsecureConnection: z.boolean().default(false),
    /** For vaults not under *.vault.azure.net (private endpoints, emulators). */
    disableChallengeResourceVerification: z.boolean().default(false),
  })
  .strict();
export type AzureKvConfig = z.infer<typeof azureKvConfigSchema>;

export const azureCredentialSchema = z
  .object({ tenantId: z.string().min(1), clientId: z.string().min(1), clientSecret: z.string().min(1) })
  .strict();
export type AzureClientSecret = z.infer<typeof azureCredentialSchema>;

export const azureKvDefinition: ProviderDefinition<AzureKvConfig> = {
  kind: AZURE_KV_KIND,
  displayName: 'Azure Key Vault',
  description:
    'Azure Key Vault secrets with versions and tags; a service principal (tenantId, clientId, clientSecret). "/" and "_" in names become "-".',
  configSchema: azureKvConfigSchema,
  credentialSchema: azureCredentialSchema,
  capabilities: azureKvCapabilities,
  destinations: (c) => [
    [c.vaultUrl, 'vaultUrl'],
    [c.authorityHost, 'authorityHost'],
  ],
  create: async (config, credential) => {
    const r = azureCredentialSchema.safeParse(credential);
    if (!r.success)
      throw fail('PROVIDER_CONFIG_INVALID', 'azure-kv: the credential needs tenantId, clientId and clientSecret.', {
        kind: AZURE_KV_KIND,
        fields: r.error.issues.map((i) => i.path.join('.')),
      });
    const { createAzureKvProvider } = await import('./azure-kv-provider.js');
    return createAzureKvProvider(config, r.data);
  },
};
