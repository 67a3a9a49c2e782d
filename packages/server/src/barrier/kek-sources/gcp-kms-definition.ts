// The Google Cloud KMS KEK source's definition: kind and config schema, loadable without the Google
// and gRPC SDKs. `create` imports gcp-kms.ts (@google-cloud/kms) on first use.
import { z } from 'zod';
import type { KekSourceDefinition } from '../kek-source.js';
import { GCP_KMS_KIND } from './gcp-kms-constants.js';
export { GCP_KMS_KIND } from './gcp-kms-constants.js';

export const gcpKmsConfigSchema = z
  .object({
    keyName: z
      .string()
      .regex(
        /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/,
        'projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>',
      ),
    apiEndpoint: z.string().min(1).optional(),
    port: z.number().int().positive().optional(),
    /** Plain-text gRPC, for local emulators only. */
    insecure: z.boolean().default(false),
    /** A short-lived OAuth access token; without it the service account key file or ADC is used. */
    accessToken: z.string().min(1).optional(),
    keyFilename: z.string().min(1).optional(),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();
export type GcpKmsConfig = z.infer<typeof gcpKmsConfigSchema>;

export const gcpKmsKekSource: KekSourceDefinition<GcpKmsConfig> = {
  kind: GCP_KMS_KIND,
  displayName: 'Google Cloud KMS',
  // kek-source.ts types configSchema as ZodType<C> (input = output); defaults make the input wider.
  configSchema: gcpKmsConfigSchema as unknown as z.ZodType<GcpKmsConfig>,
  create: async (config) => {
    const { createGcpKmsKekSource } = await import('./gcp-kms.js');
    return createGcpKmsKekSource(config);
  },
};
