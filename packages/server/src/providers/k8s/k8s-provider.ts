// The Kubernetes provider: core/v1 Secrets in one namespace. The value lives under `valueKey` in
// the Secret's data (base64); the version is the resourceVersion, which also serves as CAS token.
// Imports @kubernetes/client-node, so only k8s-definition.ts's create loads it (lazily); schemas live there.
import { CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { fail } from '../../lib/errors.js';
import { capabilityMissing, checkName, checkSize, notFound } from '../provider-support.js';
import type { Label, Provider, ProviderSecretVersion } from '../provider-types.js';
import { K8S_KIND, K8S_NAME, K8S_NAME_RULE, k8sCapabilities } from './k8s-constants.js';
import type { K8sConfig, K8sCredential } from './k8s-definition.js';
import { k8sCall } from './k8s-errors.js';

// Re-exported so existing importers of this module keep working (types erased, constants from
// k8s-constants.js); the schemas and the definition object are in k8s-definition.js.
export { k8sCapabilities } from './k8s-constants.js';
export type { K8sConfig, K8sCredential } from './k8s-definition.js';

const KIND = K8S_KIND;
const NAME = K8S_NAME;
const NAME_RULE = K8S_NAME_RULE;
const MANAGED = 'app.kubernetes.io/managed-by';
const DESCRIPTION = 'keyhaven.io/description';

export const buildKubeConfig = (config: K8sConfig, credential?: K8sCredential): KubeConfig => {
  const kc = new KubeConfig();
  if (config.source === 'file') kc.loadFromFile(config.kubeconfigPath!);
  else if (config.source === 'in-cluster') kc.loadFromCluster();
  else if (config.source === 'default') kc.loadFromDefault();
  else {
    kc.loadFromOptions({
      clusters: [{ name: 'keyhaven', server: config.server!, caData: config.caData, skipTLSVerify: config.skipTLSVerify }],
      users: [{ name: 'keyhaven', token: credential?.token }],
      contexts: [{ name: 'keyhaven', cluster: 'keyhaven', user: 'keyhaven', namespace: config.namespace }],
      currentContext: 'keyhaven',
    });
  }
  if (config.context) kc.setCurrentContext(config.context);
  return kc;
};

export const createK8sProvider = (config: K8sConfig, credential?: K8sCredential): Provider => {
  const kc = buildKubeConfig(config, credential);
  const api = kc.makeApiClient(CoreV1Api);
  const namespace = config.namespace;
  const where = kc.getCurrentCluster()?.server ?? 'the Kubernetes API server';
  const call = <T>(name: string, fn: () => Promise<T>) =>
    k8sCall(fn, { where, timeoutMs: config.timeoutMs, notFound: () => notFound(KIND, name) });
  const check = (name: string) => checkName(name, NAME, NAME_RULE, KIND);

  const toVersion = (s: V1Secret): ProviderSecretVersion => {
    const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    const value = config.valueKey in data ? data[config.valueKey] : JSON.stringify(data);
    return {
      name: s.metadata!.name!,
      version: s.metadata!.resourceVersion!,
      value,
      labels: ['current'],
      createdAt: s.metadata?.creationTimestamp?.toString(),
    };
  };
  const encode = (value: string) => ({ [config.valueKey]: Buffer.from(value, 'utf8').toString('base64') });

  const provider: Provider = {
    kind: KIND,
    async testConnection() {
      await call('', () => api.listNamespacedSecret({ namespace, limit: 1 }));
      return { ok: true, details: `${where} namespace ${namespace}` };
    },
    async create(name, value, opts) {
      check(name);
      checkSize(value, k8sCapabilities, KIND);
      const body: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name,
          namespace,
          labels: { ...(opts?.tags ?? {}), [MANAGED]: 'keyhaven' },
          annotations: opts?.description ? { [DESCRIPTION]: opts.description } : undefined,
        },
        data: encode(value),
      };
      try {
        return toVersion(await call(name, () => api.createNamespacedSecret({ namespace, body })));
      } catch (e) {
        if ((e as { details?: { status?: number } }).details?.status === 409)
          throw fail('PROVIDER_SECRET_EXISTS', `k8s: secret ${name} already exists in ${namespace}; write a new version instead.`, {
            kind: KIND,
            name,
          });
        throw e;
      }
    },
    async read(name, ref) {
      check(name);
      if (ref?.label && ref.label !== 'current') throw capabilityMissing(KIND, `the "${ref.label}" label`);
      const v = toVersion(await call(name, () => api.readNamespacedSecret({ name, namespace })));
      if (ref?.version && ref.version !== v.version) throw notFound(KIND, name, ref);
      return v;
    },
    async write(name, value, opts) {
      check(name);
      checkSize(value, k8sCapabilities, KIND);
      if (opts?.label === 'pending') throw capabilityMissing(KIND, 'staging a pending version (Kubernetes Secrets keep one value)');
      for (let attempt = 1; ; attempt++) {
        let current: V1Secret;
        try {
          current = await call(name, () => api.readNamespacedSecret({ name, namespace }));
        } catch (e) {
          if ((e as { code?: string }).code !== 'PROVIDER_SECRET_NOT_FOUND') throw e;
          if (opts?.cas !== undefined && opts.cas !== '0') throw fail('PROVIDER_CAS_MISMATCH', undefined, { kind: KIND, name });
          return provider.create(name, value);
        }
        if (opts?.cas !== undefined && opts.cas !== current.metadata?.resourceVersion)
          throw fail('PROVIDER_CAS_MISMATCH', undefined, { kind: KIND, name });
        const body: V1Secret = { ...current, data: { ...(current.data ?? {}), ...encode(value) } };
        try {
          return toVersion(await call(name, () => api.replaceNamespacedSecret({ name, namespace, body })));
        } catch (e) {
          if ((e as { details?: { status?: number } }).details?.status !== 409) throw e;
          if (opts?.cas !== undefined) throw fail('PROVIDER_CAS_MISMATCH', undefined, { kind: KIND, name });
          if (attempt >= 5)
            throw fail('PROVIDER_UNAVAILABLE', `k8s: secret ${name} kept changing under concurrent writers; retry later.`, {
              kind: KIND,
              name,
            });
        }
      }
    },
    async list(prefix = '') {
      const out: string[] = [];
      let cont: string | undefined;
      do {
        const r = await call('', () => api.listNamespacedSecret({ namespace, limit: 250, _continue: cont }));
        for (const s of r.items) if (s.metadata?.name?.startsWith(prefix)) out.push(s.metadata.name);
        cont = r.metadata?._continue || undefined;
      } while (cont);
      return out.sort();
    },
    async describe(name) {
      check(name);
      const s = await call(name, () => api.readNamespacedSecret({ name, namespace }));
      const { [MANAGED]: _managed, ...tags } = s.metadata?.labels ?? {};
      return {
        name,
        tags,
        description: s.metadata?.annotations?.[DESCRIPTION],
        versions: [
          {
            version: s.metadata!.resourceVersion!,
            labels: ['current'] as Label[],
            enabled: true,
            createdAt: s.metadata?.creationTimestamp?.toString(),
          },
        ],
      };
    },
    async delete(name) {
      check(name);
      await call(name, () => api.deleteNamespacedSecret({ name, namespace }));
    },
  };
  return provider;
};
