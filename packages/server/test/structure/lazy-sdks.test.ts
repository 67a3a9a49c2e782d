// Start-up loads no cloud SDK: importing the server entry and building an app (SQLite) must not load the
// AWS/Google/Azure/Kubernetes/gRPC clients; creating a provider or KEK source of a kind loads its SDK then.
// A child process (tsx, no build) records every module it loads through a module.register load hook.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const SDKS = [
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-kms',
  '@google-cloud/secret-manager',
  '@google-cloud/kms',
  '@azure/keyvault-secrets',
  '@azure/keyvault-keys',
  '@azure/identity',
  '@kubernetes/client-node',
  '@grpc/grpc-js',
];
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const src = (p: string) => pathToFileURL(path.join(root, 'packages/server/src', p)).href;
const tmp = mkdtempSync(path.join(tmpdir(), 'kh-lazy-sdks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ESM loads (including the first import of a CommonJS package from ESM) pass the load hook, which runs on
// the hooks thread and appends each URL to a file synchronously; require() inside CommonJS packages
// bypasses hooks on Node 20, so require.cache is added. A package counts as loaded when any file of it is.
const CHILD = `
import { register, createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
const [log, dataDir] = process.argv.slice(2);
writeFileSync(log, '');
const hook = "import { appendFileSync } from 'node:fs'; let file;"
  + " export async function initialize(d) { file = d.log; }"
  + " export async function load(url, context, next) { appendFileSync(file, url + '\\\\n'); return next(url, context); }";
register('data:text/javascript,' + encodeURIComponent(hook), { data: { log } });
const require = createRequire(import.meta.url);
const SDKS = ${JSON.stringify(SDKS)};
const loaded = () => {
  const files = [...readFileSync(log, 'utf8').split('\\n'), ...Object.keys(require.cache)].map((f) => f.replaceAll('\\\\', '/'));
  return SDKS.filter((p) => files.some((f) => f.includes('/node_modules/' + p + '/')));
};
const report = {};
const server = await import(${JSON.stringify(src('index.ts'))});
report.entry = loaded();
const config = server.loadConfig({ env: {}, flags: { dataDir, masterKey: ${JSON.stringify(randomBytes(32).toString('base64'))}, logLevel: 'silent' } });
const app = await server.buildApp(config);
await app.http.ready();
report.app = loaded();
const { createProvider, listProviders, parseProviderConfig } = await import(${JSON.stringify(src('providers/provider-registry.ts'))});
const { parseKekSourceConfig, createKekSource } = await import(${JSON.stringify(src('barrier/kek-sources/registry.ts'))});
listProviders();
parseProviderConfig('gcp-sm', { project: 'demo-project' });
parseProviderConfig('azure-kv', { vaultUrl: 'https://demo.vault.azure.net' });
parseProviderConfig('k8s', { source: 'explicit', server: 'https://127.0.0.1:6443' });
parseKekSourceConfig({ kind: 'gcp-kms', keyName: 'projects/p/locations/l/keyRings/r/cryptoKeys/k' });
report.schemas = loaded();
const provider = await createProvider('aws-sm', { region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }, { accessKeyId: 'a', secretAccessKey: 'b' });
await provider.close?.();
report.awsSm = loaded();
const kek = await createKekSource({ kind: 'aws-kms', keyId: 'alias/k', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', accessKeyId: 'a', secretAccessKey: 'b' });
await kek.close?.();
report.awsKms = loaded();
await app.close();
console.log('REPORT ' + JSON.stringify(report));
`;

const runChild = (): Promise<Record<string, string[]>> =>
  new Promise((resolve, reject) => {
    const file = path.join(tmp, 'child.mts');
    writeFileSync(file, CHILD);
    const child = spawn(process.execPath, ['--import', 'tsx', file, path.join(tmp, 'loads.txt'), path.join(tmp, 'data')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('REPORT '));
      if (code !== 0 || !line) reject(new Error(`child exited ${code}:\n${out}\n${err}`));
      else resolve(JSON.parse(line.slice('REPORT '.length)));
    });
  });

it('loads no cloud SDK at start-up, and a provider or KEK source SDK only when one is created', { timeout: 180_000 }, async () => {
  const r = await runChild();
  expect(r.entry, 'importing the server entry').toEqual([]);
  expect(r.app, 'building an app on SQLite').toEqual([]);
  expect(r.schemas, 'listing providers and parsing configs').toEqual([]);
  // The hook really sees SDK loads: creating an aws-sm provider loads the Secrets Manager client, nothing else.
  expect(r.awsSm).toEqual(['@aws-sdk/client-secrets-manager']);
  expect(r.awsKms).toEqual(['@aws-sdk/client-secrets-manager', '@aws-sdk/client-kms']);
});
