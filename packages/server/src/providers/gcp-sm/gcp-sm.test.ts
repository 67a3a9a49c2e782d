// Runs the provider conformance suite on GCP Secret Manager against the local gRPC fake driven by
// the official client (and a real project when KEYHAVEN_TEST_GCP_PROJECT is set), plus alias details.
import '../../../test/support/providers/gcp-env.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, runProviderConformance } from '../../../test/support/providers/provider-conformance.js';
import { startFakeGcpSm, type FakeGcpSm } from '../../../test/support/providers/fake-gcp-sm.js';
import { createGcpSmProvider, gcpSmCapabilities } from './gcp-sm-provider.js';
import { gcpSmConfigSchema } from './gcp-sm-definition.js';

const local = (port: number) =>
  gcpSmConfigSchema.parse({ project: 'kh-test', apiEndpoint: '127.0.0.1', port, insecure: true, timeoutMs: 4000 });
let fake: FakeGcpSm;

runProviderConformance('gcp-sm (local gRPC fake)', {
  capabilities: gcpSmCapabilities,
  start: async () => {
    fake = await startFakeGcpSm();
  },
  stop: async () => fake.close(),
  provider: async () => createGcpSmProvider(local(fake.port), { accessToken: fake.token }),
  unavailable: async () => createGcpSmProvider(local(await closedPort()), { accessToken: 'x' }),
  badCredential: async () => createGcpSmProvider(local(fake.port), { accessToken: 'wrong' }),
});

const realProject = process.env.KEYHAVEN_TEST_GCP_PROJECT;
runProviderConformance(
  'gcp-sm (real project)',
  realProject
    ? { capabilities: gcpSmCapabilities, provider: async () => createGcpSmProvider(gcpSmConfigSchema.parse({ project: realProject })) }
    : { skip: 'set KEYHAVEN_TEST_GCP_PROJECT (with application default credentials) to run against real Secret Manager' },
);

describe('gcp-sm aliases and versions', () => {
  let f: FakeGcpSm;
  beforeAll(async () => {
    f = await startFakeGcpSm('t2');
  });
  afterAll(async () => f.close());
  const p = () => createGcpSmProvider(local(f.port), { accessToken: 't2' });

  it('a pending write pins current with an alias so "latest" does not become current', async () => {
    const prov = p();
    await prov.create('pin', 'one');
    const b = await prov.write('pin', 'two', { label: 'pending' });
    expect((await prov.read('pin')).value).toBe('one');
    const info = await prov.describe('pin');
    expect(info.versions?.find((v) => v.version === b.version)?.labels).toEqual(['pending']);
    expect(info.versions?.find((v) => v.version === '1')?.labels).toEqual(['current']);
  });

  it('disables and re-enables a version; a disabled version reads as not found', async () => {
    const prov = p();
    const a = await prov.create('toggle', 'one');
    await prov.write('toggle', 'two');
    await prov.setVersionEnabled!('toggle', a.version, false);
    await expect(prov.read('toggle', { version: a.version })).rejects.toMatchObject({ code: 'PROVIDER_SECRET_NOT_FOUND' });
    expect((await prov.describe('toggle')).versions?.find((v) => v.version === a.version)?.enabled).toBe(false);
    await prov.setVersionEnabled!('toggle', a.version, true);
    expect((await prov.read('toggle', { version: a.version })).value).toBe('one');
  });

  it('lists across pages', async () => {
    const prov = p();
    for (let i = 0; i < 5; i++) await prov.create(`page-${i}`, String(i));
    expect(await prov.list('page-')).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });
});
