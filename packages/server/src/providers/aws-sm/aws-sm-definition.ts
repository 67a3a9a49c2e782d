// The AWS Secrets Manager provider's definition: kind, schemas, capabilities and naming rule, loadable
// without the AWS SDK. `create` imports the SDK-based implementation (aws-sm-provider.ts) on first use.
import { z } from 'zod';
import { fail } from '../../lib/errors.js';
import type { ProviderDefinition } from '../provider-types.js';
import { AWS_SM_KIND, awsSmCapabilities } from './aws-sm-constants.js';
export { AWS_SM_KIND, AWS_SM_NAME, AWS_SM_NAME_RULE, awsSmCapabilities } from './aws-sm-constants.js';

export const awsSmConfigSchema = z
  .object({
    region: z.string().regex(/^[a-z0-9-]+$/),
    endpoint: z.string().url().optional(),
    maxAttempts: z.number().int().min(1).max(10).default(5),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();
export type AwsSmConfig = z.infer<typeof awsSmConfigSchema>;

export const awsCredentialSchema = z
  .object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().min(1).optional() })
  .strict();
export type AwsCredential = z.infer<typeof awsCredentialSchema>;

export const awsSmDefinition: ProviderDefinition<AwsSmConfig> = {
  kind: AWS_SM_KIND,
  displayName: 'AWS Secrets Manager',
  description: 'AWS Secrets Manager with AWSCURRENT/AWSPENDING/AWSPREVIOUS staging labels; access keys or the default credential chain.',
  configSchema: awsSmConfigSchema,
  credentialSchema: awsCredentialSchema.optional(),
  capabilities: awsSmCapabilities,
  ambientIdentity: (_config, credential) =>
    credential === undefined ? "the AWS default credential chain (the server's environment, ~/.aws, instance or task metadata)" : undefined,
  destinations: (c) => [[c.endpoint, 'endpoint']],
  create: async (config, credential) => {
    const r = awsCredentialSchema.optional().safeParse(credential);
    if (!r.success)
      throw fail(
        'PROVIDER_CONFIG_INVALID',
        'aws-sm: the credential needs accessKeyId and secretAccessKey (and optionally sessionToken), or none for the default chain.',
        { kind: AWS_SM_KIND, fields: r.error.issues.map((i) => i.path.join('.')) },
      );
    const { createAwsSmProvider } = await import('./aws-sm-provider.js');
    return createAwsSmProvider(config, r.data);
  },
};
