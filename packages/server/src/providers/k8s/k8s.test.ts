// Runs the provider conformance suite on the Kubernetes provider against the local fake API server
// (and a real cluster when KEYHAVEN_TEST_KUBECONFIG is set), plus 409 retry and kubeconfig loading.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, runProviderConformance } from '../../../test/support/providers/provider-conformance.js';
import { startFakeK8s, type FakeK8s } from '../../../test/support/providers/fake-k8s.js';
import { createK8sProvider, k8sCapabilities } from './k8s-provider.js';
import { k8sConfigSchema } from './k8s-definition.js';

let fake: FakeK8s;
const explicit = (server: string, extra: Record<string, unknown> = {}) =>
  // client-node 1.4 only allows plain http:// with skipTLSVerify set.
  k8sConfigSchema.parse({ source: 'explicit', server, namespace: 'kh-test', timeoutMs: 3000, skipTLSVerify: true, ...extra });

runProviderConformance('k8s (local fake API server)', {
  capabilities: k8sCapabilities,
  start: async () => {
    fake = await startFakeK8s();
  },
  stop: async () => fake.close(),
  provider: async () => createK8sProvider(explicit(fake.url), { token: fake.token }),
  unavailable: async () => createK8sProvider(explicit(`http://127.0.0.1:${await closedPort()}`), { token: 'x' }),
  badCredential: async () => createK8sProvider(explicit(fake.url), { token: 'wrong-token' }),
  skip: { 'describe-versions': 'a Kubernetes Secret keeps only its latest value (one resourceVersion)' },
});

const realKubeconfig = process.env.KEYHAVEN_TEST_KUBECONFIG;
runProviderConformance(
  'k8s (real cluster)',
  realKubeconfig
    ? {
        capabilities: k8sCapabilities,
        provider: async () =>
          createK8sProvider(
            k8sConfigSchema.parse({
              source: 'file',
              kubeconfigPath: realKubeconfig,
              namespace: process.env.KEYHAVEN_TEST_K8S_NAMESPACE ?? 'default',
            }),
          ),
        skip: { 'describe-versions': 'a Kubernetes Secret keeps only its latest value (one resourceVersion)' },
      }
    : { skip: 'set KEYHAVEN_TEST_KUBECONFIG (and optionally KEYHAVEN_TEST_K8S_NAMESPACE) to run against a real cluster' },
);

describe('k8s provider specifics', () => {
  let k: FakeK8s;
  let dir: string;
  beforeAll(async () => {
    k = await startFakeK8s('file-token');
    dir = await mkdtemp(path.join(os.tmpdir(), 'kh-k8s-'));
  });
  afterAll(async () => {
    await k.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('retries a write with a fresh read after a 409 Conflict', async () => {
    const p = createK8sProvider(explicit(k.url), { token: k.token });
    await p.create('retry-me', 'one');
    const before = k.puts;
    k.injectConflicts(2);
    const w = await p.write('retry-me', 'two');
    expect(k.puts - before).toBe(3);
    expect(await p.read('retry-me')).toMatchObject({ value: 'two', version: w.version });
  });

  it('loads a kubeconfig file and keeps other data keys on write', async () => {
    const file = path.join(dir, 'kubeconfig.yaml');
    await writeFile(
      file,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${k.url}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: file-token\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n`,
    );
    const p = createK8sProvider(k8sConfigSchema.parse({ source: 'file', kubeconfigPath: file, namespace: 'ns2', valueKey: 'password' }));
    await p.write('db', 'pw1');
    expect((await p.read('db')).value).toBe('pw1');
    const other = createK8sProvider(
      k8sConfigSchema.parse({ source: 'file', kubeconfigPath: file, namespace: 'ns2', valueKey: 'username' }),
    );
    await other.write('db', 'admin');
    expect((await p.read('db')).value).toBe('pw1');
    expect((await other.read('db')).value).toBe('admin');
  });

  it('rejects names Kubernetes would refuse before sending', async () => {
    const p = createK8sProvider(explicit(k.url), { token: k.token });
    await expect(p.read('Has_Upper')).rejects.toMatchObject({ code: 'PROVIDER_NAME_INVALID' });
  });
});
