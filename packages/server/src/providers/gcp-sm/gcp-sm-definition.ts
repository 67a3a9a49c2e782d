// The Google Cloud Secret Manager provider's definition: kind, schemas, capabilities and naming rule,
// loadable without the Google/gRPC SDKs. `create` imports gcp-sm-provider.ts (the SDK) on first use.
import { z } from 'zod';
import { fail } from '../../lib/errors.js';
import type { ProviderDefinition } from '../provider-types.js';
import { GCP_SM_KIND, gcpSmCapabilities } from './gcp-sm-constants.js';
export { GCP_SM_KIND, GCP_SM_NAME, GCP_SM_NAME_RULE, gcpSmCapabilities } from './gcp-sm-constants.js';

export const gcpSmConfigSchema = z
  .object({
    project: z.string().regex(/^[a-z0-9][a-z0-9-:.]{3,62}$/i),
    apiEndpoint: z.string().min(1).optional(),
    port: z.number().int().positive().optional(),
    /** Plain-text gRPC, for local emulators only. */
    insecure: z.boolean().default(false),
    timeoutMs: z.number().int().positive().default(15_000),
  })
  .strict();
export type GcpSmConfig = z.infer<typeof gcpSmConfigSchema>;

export const gcpCredentialSchema = z.union([
  z.object({ accessToken: z.string().min(1) }).strict(),
  z.object({ serviceAccountKey: z.object({ client_email: z.string().email(), private_key: z.string().min(1) }).passthrough() }).strict(),
]);
export type GcpCredential = z.infer<typeof gcpCredentialSchema>;

export const gcpSmDefinition: ProviderDefinition<GcpSmConfig> = {
  kind: GCP_SM_KIND,
  displayName: 'Google Cloud Secret Manager',
  description:
    'Secret Manager secrets with numbered versions; labels are emulated with version aliases. Service account key, access token or ADC.',
  configSchema: gcpSmConfigSchema,
  credentialSchema: gcpCredentialSchema.optional(),
  capabilities: gcpSmCapabilities,
  // Against a plaintext emulator endpoint (insecure) no Google credential is looked up.
  ambientIdentity: (config, credential) =>
    credential === undefined && !config.insecure
      ? 'Google application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the metadata server)'
      : undefined,
  destinations: (c) => [[c.apiEndpoint, 'apiEndpoint']],
  create: async (config, credential) => {
    const r = gcpCredentialSchema.optional().safeParse(credential);
    if (!r.success)
      throw fail('PROVIDER_CONFIG_INVALID', 'gcp-sm: the credential is { accessToken }, { serviceAccountKey } or nothing (ADC).', {
        kind: GCP_SM_KIND,
      });
    const { createGcpSmProvider } = await import('./gcp-sm-provider.js');
    return createGcpSmProvider(config, r.data);
  },
};
