// The Kubernetes provider's definition: kind, schemas, capabilities and naming rule, loadable without
// @kubernetes/client-node. `create` imports k8s-provider.ts (the client) on first use.
import { z } from 'zod';
import { fail } from '../../lib/errors.js';
import type { ProviderDefinition } from '../provider-types.js';
import { K8S_KIND, k8sCapabilities } from './k8s-constants.js';
export { K8S_KIND, K8S_NAME, K8S_NAME_RULE, k8sCapabilities } from './k8s-constants.js';

export const k8sConfigSchema = z
  .object({
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .default('default'),
    source: z.enum(['default', 'file', 'in-cluster', 'explicit']).default('default'),
    kubeconfigPath: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
    server: z.string().url().optional(),
    caData: z.string().optional(),
    skipTLSVerify: z.boolean().default(false),
    valueKey: z
      .string()
      .regex(/^[-._a-zA-Z0-9]+$/)
      .default('value'),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.source === 'file' && !c.kubeconfigPath)
      ctx.addIssue({ code: 'custom', path: ['kubeconfigPath'], message: 'required when source is "file"' });
    if (c.source === 'explicit' && !c.server)
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'required when source is "explicit"' });
  });
export type K8sConfig = z.infer<typeof k8sConfigSchema>;

export const k8sCredentialSchema = z.object({ token: z.string().min(1) }).strict();
export type K8sCredential = z.infer<typeof k8sCredentialSchema>;

export const k8sDefinition: ProviderDefinition<K8sConfig> = {
  kind: K8S_KIND,
  displayName: 'Kubernetes Secrets',
  description: 'core/v1 Secrets in one namespace; kubeconfig from the default chain, a file, in-cluster, or an explicit server and token.',
  configSchema: k8sConfigSchema,
  credentialSchema: k8sCredentialSchema.optional(),
  capabilities: k8sCapabilities,
  ambientIdentity: (config) =>
    config.source === 'explicit'
      ? undefined
      : config.source === 'in-cluster'
        ? "the server pod's own service account"
        : config.source === 'file'
          ? `the kubeconfig file ${config.kubeconfigPath} on the server`
          : "the server's default kubeconfig (KUBECONFIG, ~/.kube/config) or its in-cluster service account",
  destinations: (c) => [[c.server, 'server']],
  create: async (config, credential) => {
    const r = k8sCredentialSchema.optional().safeParse(credential);
    if (!r.success)
      throw fail('PROVIDER_CONFIG_INVALID', 'k8s: the credential is { token } or nothing (use the kubeconfig).', { kind: K8S_KIND });
    const { createK8sProvider } = await import('./k8s-provider.js');
    return createK8sProvider(config, r.data);
  },
};
