// The Azure Key Vault keys KEK source's definition: kind and config schema, loadable without the Azure
// SDKs. `create` imports azure-kv-keys.ts (@azure/identity, @azure/keyvault-keys) on first use.
import { z } from 'zod';
import type { KekSourceDefinition } from '../kek-source.js';
import { AZURE_KV_KEYS_KIND } from './azure-kv-keys-constants.js';
export { AZURE_KV_KEYS_KIND } from './azure-kv-keys-constants.js';

export const azureKvKeysConfigSchema = z
  .object({
    /** https://<vault>.vault.azure.net/keys/<name>/<version> */
    keyId: z.string().url(),
    tenantId: z.string().min(1).optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    authorityHost: z.string().url().optional(),
    maxRetries: z.number().int().min(0).max(10).default(3),
    allowInsecureConnection: z.boolean().default(false),
    disableChallengeResourceVerification: z.boolean().default(false),
  })
  .strict()
  .refine(
    (c) =>
      [c.tenantId, c.clientId, c.clientSecret].every((x) => x === undefined) ||
      [c.tenantId, c.clientId, c.clientSecret].every((x) => x !== undefined),
    {
      message: 'give tenantId, clientId and clientSecret together, or none to use DefaultAzureCredential',
      path: ['clientSecret'],
    },
  );
export type AzureKvKeysConfig = z.infer<typeof azureKvKeysConfigSchema>;

export const azureKvKeysKekSource: KekSourceDefinition<AzureKvKeysConfig> = {
  kind: AZURE_KV_KEYS_KIND,
  displayName: 'Azure Key Vault key (RSA-OAEP-256 wrap)',
  // kek-source.ts types configSchema as ZodType<C> (input = output); defaults make the input wider.
  configSchema: azureKvKeysConfigSchema as unknown as z.ZodType<AzureKvKeysConfig>,
  create: async (config) => {
    const { createAzureKvKeysKekSource } = await import('./azure-kv-keys.js');
    return createAzureKvKeysKekSource(config);
  },
};
