// The AWS KMS KEK source's definition: kind and config schema, loadable without the AWS SDK.
// `create` imports aws-kms.ts (@aws-sdk/client-kms) on first use.
import { z } from 'zod';
import type { KekSourceDefinition } from '../kek-source.js';
import { AWS_KMS_KIND } from './aws-kms-constants.js';
export { AWS_KMS_KIND } from './aws-kms-constants.js';

export const awsKmsConfigSchema = z
  .object({
    keyId: z.string().min(1),
    region: z.string().regex(/^[a-z0-9-]+$/),
    endpoint: z.string().url().optional(),
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict()
  .refine((c) => !c.accessKeyId === !c.secretAccessKey, {
    message: 'accessKeyId and secretAccessKey go together (or omit both for the default chain)',
    path: ['secretAccessKey'],
  });
export type AwsKmsConfig = z.infer<typeof awsKmsConfigSchema>;

export const awsKmsKekSource: KekSourceDefinition<AwsKmsConfig> = {
  kind: AWS_KMS_KIND,
  displayName: 'AWS KMS',
  // kek-source.ts types configSchema as ZodType<C> (input = output); defaults make the input wider.
  configSchema: awsKmsConfigSchema as unknown as z.ZodType<AwsKmsConfig>,
  create: async (config) => {
    const { createAwsKmsKekSource } = await import('./aws-kms.js');
    return createAwsKmsKekSource(config);
  },
};
