// A realistic console session against a test server: each step names the documented operation it
// exercises, so the documented response schema for (operationId, status) can be checked against what
// the server really sent.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, get as httpGet, type IncomingMessage } from 'node:http';
import Database from 'better-sqlite3';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { OidcProviderFixture } from '../support/oidc-provider.js';
import type { TestServer } from '../support/test-server.js';
import type { Exchange } from './response-validator.js';

export type { Exchange };

/** `dotenvDir`: a directory the server's dotenv provider may use (enabled in the test server's config);
 *  `oidc`: the OpenID provider the server's console single sign-on is configured with (alice's groups
 *  map to a role, bob's do not). The server is also started listening, for the event stream. */
export const runConsoleScenario = async (s: TestServer, dotenvDir: string, oidc: OidcProviderFixture): Promise<Exchange[]> => {
  const out: Exchange[] = [];
  const call = async (
    operationId: string,
    method: string,
    url: string,
    o: Parameters<TestServer['call']>[2] = {},
  ): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }> => {
    const r = await s.call(method, url, o);
    out.push({ operationId, method, url, status: r.status, body: r.body, headers: r.headers, text: r.text });
    return r;
  };

  // Console session: sign in with a token, read the session back with the cookie, sign out.
  const signIn = await call('console.session.create', 'POST', '/v1/console/session', { tenant: null });
  const cookie = String(signIn.headers['set-cookie']).split(';')[0];
  await call('console.session.get', 'GET', '/v1/console/session', { token: '', tenant: null, headers: { cookie } });
  await call('console.session.get', 'GET', '/v1/console/session', { tenant: null }); // 401: no cookie
  await call('console.oidc', 'GET', '/v1/console/oidc', { tenant: null });
  // Single sign-on through the OpenID provider: the redirect there, the person signed in at the
  // provider, the redirect back (signed in; refused for want of a role; a state never issued).
  const sso = async (login: string) => {
    const start = await call('console.oidc.login', 'GET', '/v1/console/oidc/login', { token: '', tenant: null });
    const flow = String(start.headers['set-cookie']).split(';')[0];
    const back = await oidc.signIn(String(start.headers.location), login);
    const done = await call('console.oidc.callback', 'GET', `/v1/console/oidc/callback${back.search}`, {
      token: '',
      tenant: null,
      headers: { cookie: flow },
    });
    return done.headers.location;
  };
  if ((await sso('alice')) !== '/ui/secrets') throw new Error('alice was not signed in by single sign-on');
  if ((await sso('bob')) !== '/ui/sign-in?sso_error=OIDC_NO_ROLE') throw new Error('bob was not refused for want of a role');
  await call('console.oidc.callback', 'GET', '/v1/console/oidc/callback?code=stolen&state=forged', { token: '', tenant: null });
  await call('tenants.list', 'GET', '/v1/tenants', { tenant: null });

  // Secrets: create, write, read, describe, versions, metadata, delete/restore/destroy.
  await call('secrets.create', 'POST', '/v1/secrets', {
    body: {
      name: 'payments/api-key',
      value: 'first-value-1',
      tags: ['pci'],
      service: 'payments',
      environment: 'prod',
      description: 'PSP key',
    },
  });
  await call('secrets.create', 'POST', '/v1/secrets', { body: { name: 'payments/api-key', value: 'x' } }); // 409
  await call('secrets.create', 'POST', '/v1/secrets', { body: { name: '' } }); // 400 with details
  await call('secrets.write', 'PUT', '/v1/secrets/payments/api-key', { body: { value: 'second-value-2' } });
  await call('secrets.write', 'PUT', '/v1/secrets/payments/db', { body: { value: { user: 'app', password: 'pw-123456' } } });
  await call('secrets.list', 'GET', '/v1/secrets');
  await call('secrets.list', 'GET', '/v1/secrets?prefix=payments/&limit=1');
  await call('secrets.read', 'GET', '/v1/secrets/payments/api-key');
  await call('secrets.read', 'GET', '/v1/secrets/payments/api-key?version=1');
  await call('secrets.read', 'GET', '/v1/secrets/payments/db?field=user');
  await call('secrets.read', 'GET', '/v1/secrets/nope/missing'); // 404
  await call('secrets.describe', 'GET', '/v1/secrets/payments/api-key:describe');
  await call('secrets.versions', 'GET', '/v1/secrets/payments/api-key:versions');
  await call('secrets.update', 'PATCH', '/v1/secrets/payments/api-key', { body: { criticality: 'critical', owner: 'team-pay' } });
  await call('secrets.create', 'POST', '/v1/secrets', { body: { name: 'tmp/one', value: 'tmp-value-1' } });
  await call('secrets.delete', 'DELETE', '/v1/secrets/tmp/one');
  await call('secrets.list', 'GET', '/v1/secrets?include_deleted=true');
  await call('secrets.restore', 'POST', '/v1/secrets/tmp/one:restore');
  await call('secrets.write', 'PUT', '/v1/secrets/tmp/one', { body: { value: 'tmp-value-2' } });
  await call('secrets.destroy', 'POST', '/v1/secrets/tmp/one:destroy', { body: { versions: [1] } }); // 409: labelled
  await call('secrets.write', 'PUT', '/v1/secrets/tmp/one', { body: { value: 'tmp-value-3' } });
  await call('secrets.destroy', 'POST', '/v1/secrets/tmp/one:destroy', { body: { versions: [1] } });
  await call('secrets.delete', 'DELETE', '/v1/secrets/tmp/one');
  await call('secrets.destroy', 'POST', '/v1/secrets/tmp/one:destroy');
  const digest = createHash('sha256').update('second-value-2').digest('hex');
  await call('fingerprints.match', 'POST', '/v1/fingerprints/match', { body: { sha256: [digest, 'a'.repeat(64)] } });

  // Rotation: register (generated value), schedules, rotate, history, rollback, emergency.
  await call('rotation.register', 'POST', '/v1/rotation/register', {
    body: { secret_name: 'svc/token', rotation_interval_days: 30, tags: ['ops'], service: 'svc' },
  });
  await call('rotation.schedules', 'GET', '/v1/rotation/schedules');
  await call('rotation.schedule', 'PUT', '/v1/rotation/schedule', { body: { secret_name: 'svc/token', rotation_interval_days: 7 } });
  await call('rotation.rotate', 'POST', '/v1/rotation/rotate', { body: { secret_name: 'svc/token', reason: 'test' } });
  await call('rotation.rotate', 'POST', '/v1/rotation/rotate', { body: { secret_name: 'nope/x' } }); // 404
  await call('rotation.history', 'GET', '/v1/rotation/history');
  await call('rotation.history', 'GET', '/v1/rotation/history?secret_name=svc/token&limit=5');
  await call('rotation.due', 'GET', '/v1/rotation/due');
  await call('rotation.rollback', 'POST', '/v1/rotation/rollback', { body: { secret_name: 'svc/token', reason: 'undo' } });
  await call('rotation.emergencyRotate', 'POST', '/v1/rotation/emergency-rotate', { body: { selector: { tag: 'ops' }, dry_run: true } });
  await call('rotation.emergencyRotate', 'POST', '/v1/rotation/emergency-rotate', {
    body: { selector: { tag: 'ops' }, confirm: true, reason: 'leak' },
  });
  await call('rotation.emergencyRotate', 'POST', '/v1/rotation/emergency-rotate', { body: { secret_name: 'svc/token', reason: 'leak' } });
  await call('rotation.rotateDue', 'POST', '/v1/rotation/rotate-due', { body: { dry_run: true } });
  await call('rotation.rotateDue', 'POST', '/v1/rotation/rotate-due', { body: {} });
  await call('rotation.schedules.unversioned', 'GET', '/secrets/schedules');
  // The seed's unversioned paths answer as their /v1/rotation twins.
  await call('rotation.register.unversioned', 'POST', '/secrets/register', {
    body: { secret_name: 'seed/token', rotation_interval_days: 30 },
  });
  await call('rotation.schedule.unversioned', 'PUT', '/secrets/schedule', {
    body: { secret_name: 'seed/token', rotation_interval_days: 14 },
  });
  await call('rotation.rotate.unversioned', 'POST', '/secrets/rotate', { body: { secret_name: 'seed/token', reason: 'seed path' } });
  await call('rotation.rollback.unversioned', 'POST', '/secrets/rollback', { body: { secret_name: 'seed/token', reason: 'seed path' } });
  await call('rotation.emergencyRotate.unversioned', 'POST', '/secrets/emergency-rotate', {
    body: { secret_name: 'seed/token', reason: 'seed path' },
  });
  await call('rotation.rotateDue.unversioned', 'POST', '/secrets/rotate-due', { body: { dry_run: true } });
  await call('rotation.due.unversioned', 'GET', '/secrets/due');
  await call('rotation.history.unversioned', 'GET', '/secrets/history?secret_name=seed/token');

  // Audit: events, a secret's access history, anomalies, verify the chain.
  await call('audit.events', 'GET', '/v1/audit/events?limit=20');
  await call('audit.events', 'GET', '/v1/audit/events?action=secret.read');
  await call('audit.access', 'GET', '/v1/audit/access/payments/api-key');
  await call('audit.anomalies', 'GET', '/v1/audit/anomalies');
  await call('sys.audit.verify', 'POST', '/v1/sys/audit/verify', { tenant: null });
  await call('sys.audit.events', 'GET', '/v1/sys/audit/events?limit=20', { tenant: null });
  await call('sys.audit.anomalies', 'GET', '/v1/sys/audit/anomalies', { tenant: null });
  await call('audit.verify', 'POST', '/v1/audit/verify');
  // Exports: JSON lines (a tenant's unfiltered export ends with its signed checkpoints), CSV, filtered;
  // each export verified on its own.
  const exported = await call('audit.export', 'GET', '/v1/audit/export');
  await call('audit.export', 'GET', '/v1/audit/export?format=csv');
  await call('audit.export', 'GET', '/v1/audit/export?action=secret.read');
  await call('audit.verifyExport', 'POST', '/v1/audit/verify-export', { body: { export: exported.text } });
  const everything = await call('sys.audit.export', 'GET', '/v1/sys/audit/export', { tenant: null });
  await call('sys.audit.export', 'GET', '/v1/sys/audit/export?format=csv&outcome=denied', { tenant: null });
  await call('sys.audit.verifyExport', 'POST', '/v1/sys/audit/verify-export', { tenant: null, body: { export: everything.text } });
  if (!exported.text.includes('"audit.checkpoint"')) throw new Error("the tenant's export carries no signed checkpoint");

  // Tokens, roles, policies.
  await call('tokens.self', 'GET', '/v1/tokens/self', { tenant: null });
  await call('tenants.get', 'GET', '/v1/tenants/default', { tenant: null });
  const tok = await call('tokens.create', 'POST', '/v1/tokens', { body: { name: 'ci', role: 'read', ttl_seconds: 3600 } });
  await call('tokens.list', 'GET', '/v1/tokens');
  await call('tokens.get', 'GET', `/v1/tokens/${tok.body?.id}`);
  await call('tokens.renewSelf', 'POST', '/v1/tokens/self/renew', { token: tok.body?.token, tenant: null, body: {} });
  await call('tokens.revoke', 'DELETE', `/v1/tokens/${tok.body?.id}`);
  await call('tokens.list', 'GET', '/v1/tokens', { token: 'kh_not-a-token' }); // 401
  await call('policies.put', 'PUT', '/v1/policies/pay-read', {
    body: { description: 'read payments', rules: [{ effect: 'allow', actions: ['read', 'list'], paths: ['payments/*'] }] },
  });
  await call('policies.list', 'GET', '/v1/policies');
  await call('policies.get', 'GET', '/v1/policies/pay-read');
  await call('roles.put', 'PUT', '/v1/roles/pay-reader', { body: { description: 'payments', policies: ['pay-read'] } });
  await call('roles.list', 'GET', '/v1/roles');
  await call('roles.delete', 'DELETE', '/v1/roles/pay-reader');
  await call('policies.delete', 'DELETE', '/v1/policies/pay-read');

  // Providers and sync, with a .env file as the external store.
  const envFile = join(dotenvDir, 'app.env');
  writeFileSync(envFile, 'API_KEY=abc123\n');
  await call('providers.create', 'POST', '/v1/providers', { body: { provider_name: 'dotenv', config: { path: envFile } } });
  await call('providers.list', 'GET', '/v1/providers');
  await call('providers.get', 'GET', '/v1/providers/dotenv');
  await call('providers.get', 'GET', '/v1/providers/nope'); // 404
  await call('providers.test', 'POST', '/v1/providers/dotenv/test');
  await call('references.read', 'GET', `/v1/references?ref=${encodeURIComponent(`dotenv://${envFile}#API_KEY`)}`);
  await call('sync.destinations.create', 'POST', '/v1/sync/destinations', {
    body: { id: 'to-env', prefix: 'payments/', provider_id: 'dotenv', template: 'PAY_{{relative}}' },
  });
  await call('sync.destinations.list', 'GET', '/v1/sync/destinations');
  await call('sync.run', 'POST', '/v1/sync/run', { body: {} });
  await call('sync.status', 'GET', '/v1/sync/status');
  await call('sync.destinations.delete', 'DELETE', '/v1/sync/destinations/to-env');
  await call('providers.configure', 'POST', '/providers/configure', {
    body: { provider_name: 'dotenv', name: 'seed-env', config: { path: envFile } },
  }); // 201: added
  await call('providers.configure', 'POST', '/providers/configure', {
    body: { provider_name: 'dotenv', name: 'seed-env', config: { path: envFile } },
  }); // 200: replaced
  await call('providers.import', 'POST', '/v1/providers/dotenv/import', { body: { dry_run: true, target_prefix: 'imported/' } });
  await call('providers.import', 'POST', '/v1/providers/dotenv/import', { body: { target_prefix: 'imported/' } });
  await call('providers.validateCredential', 'POST', '/admin/secrets/providers/dotenv/credentials/validate', { body: {} });
  await call('providers.validateCredential', 'POST', '/admin/secrets/providers/nope/credentials/validate', { body: {} }); // 404
  await call('providers.delete', 'DELETE', '/v1/providers/seed-env');
  await call('providers.delete', 'DELETE', '/v1/providers/dotenv');

  // Health, tenants, the audit checkpoint, notifications, administration, Vault's system paths.
  await call('health.get', 'GET', '/health', { token: '', tenant: null });
  await call('health.live', 'GET', '/health/live', { token: '', tenant: null });
  await call('health.ready', 'GET', '/health/ready', { token: '', tenant: null });
  await call('tenants.create', 'POST', '/v1/tenants', { tenant: null, body: { id: 'acme', name: 'Acme' } });
  await call('tenants.delete', 'DELETE', '/v1/tenants/acme', { tenant: null });
  await call('sys.audit.checkpoint', 'GET', '/v1/sys/audit/checkpoint', { tenant: null });
  await call('notifications.channels', 'GET', '/v1/notifications/channels');
  await call('notifications.subscriptions.list', 'GET', '/v1/notifications/subscriptions');
  await call('notifications.deliveries', 'GET', '/v1/notifications/deliveries');
  await call('notifications.deadLetters', 'GET', '/v1/notifications/dead-letters');
  await call('notifications.manualRotations', 'GET', '/v1/notifications/manual-rotations');
  // A webhook subscription to a receiver on 127.0.0.1: create (signing secret generated), read,
  // change, test, then the outbox, dead-letter retries and removal.
  const hooks: string[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    hooks.push(String(req.headers['x-keyhaven-event-type']));
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  await call('notifications.subscriptions.create', 'POST', '/v1/notifications/subscriptions', {
    body: { id: 'ops', channel: 'webhook', config: { url: hookUrl }, event_types: ['secret.rotated'], min_criticality: 'high' },
  });
  await call('notifications.subscriptions.create', 'POST', '/v1/notifications/subscriptions', {
    body: { id: 'ops', channel: 'webhook', config: { url: hookUrl } },
  }); // 409
  await call('notifications.subscriptions.create', 'POST', '/v1/notifications/subscriptions', {
    body: { id: 'bad', channel: 'webhook', config: { url: 'not a url' } },
  }); // 400 with the problems
  await call('notifications.subscriptions.get', 'GET', '/v1/notifications/subscriptions/ops');
  await call('notifications.subscriptions.get', 'GET', '/v1/notifications/subscriptions/nope'); // 404
  await call('notifications.subscriptions.update', 'PATCH', '/v1/notifications/subscriptions/ops', {
    body: { name_prefix: 'payments/', enabled: false },
  });
  await call('notifications.subscriptions.test', 'POST', '/v1/notifications/subscriptions/ops/test');
  await call('notifications.subscriptions.list', 'GET', '/v1/notifications/subscriptions');
  await call('notifications.deliveries', 'GET', '/v1/notifications/deliveries?status=delivered');
  await call('notifications.deadLetters.retry', 'POST', '/v1/notifications/dead-letters/42/retry'); // 404: none
  // A dead letter: a webhook to a port nothing listens on gives up after its one attempt (the test
  // server allows one), then it is retried.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  await call('notifications.subscriptions.create', 'POST', '/v1/notifications/subscriptions', {
    body: { id: 'gone', channel: 'webhook', config: { url: `http://127.0.0.1:${closedPort}/hook` } },
  });
  await call('secrets.write', 'PUT', '/v1/secrets/notify/me', { body: { value: 'notify-value-1' } });
  let dead: Array<{ id: number }> = [];
  for (let i = 0; i < 100 && dead.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    dead = (await call('notifications.deadLetters', 'GET', '/v1/notifications/dead-letters?subscription=gone')).body.items;
  }
  if (dead.length === 0) throw new Error('no dead letter after 5 s');
  await call('notifications.deadLetters.retry', 'POST', `/v1/notifications/dead-letters/${dead[0]!.id}/retry`);
  await call('notifications.subscriptions.delete', 'DELETE', '/v1/notifications/subscriptions/gone');
  await call('notifications.deadLetters.retryAll', 'POST', '/v1/notifications/dead-letters/retry', { body: { subscription: 'ops' } });
  await call('notifications.subscriptions.delete', 'DELETE', '/v1/notifications/subscriptions/ops');
  await new Promise((r) => receiver.close(r));
  if (hooks.length === 0) throw new Error('the webhook receiver got no test event');
  await call('tokens.renewSelf', 'POST', '/v1/tokens/self/renew', { tenant: null }); // 400: the root token does not expire
  await call('admin.secrets.health', 'GET', '/admin/secrets/health');
  await call('admin.keyRotation.status', 'GET', '/admin/secrets/key-rotation/status');
  await call('admin.secrets.testConnection', 'POST', '/admin/secrets/test-connection');
  await call('admin.secrets.clearCache', 'POST', '/admin/secrets/clear-cache');
  await call('admin.keyRotation.toggle', 'POST', '/admin/secrets/key-rotation/toggle', { body: { enabled: true, interval_hours: 720 } });
  await call('admin.keyRotation.toggle', 'POST', '/admin/secrets/key-rotation/toggle', { body: { enabled: false } });
  await call('admin.keyRotation.perform', 'POST', '/admin/secrets/key-rotation/perform', { body: {} });
  await call('admin.logNameHash', 'POST', '/admin/log-name-hash', { tenant: null, body: { names: ['payments/api-key'] } });
  await call('admin.logNameHash', 'POST', '/admin/log-name-hash', { tenant: null, body: { names: [] } }); // 400
  await call('sys.masterKey.rewrap', 'POST', '/v1/sys/master-key/rewrap', { tenant: null, body: { kind: 'no-such-source' } }); // 400
  // Re-wrap the keyring under a new local master key (the server keeps serving with it).
  await call('sys.masterKey.rewrap', 'POST', '/v1/sys/master-key/rewrap', {
    tenant: null,
    body: { kind: 'local', key: randomBytes(32).toString('base64') },
  });
  await call('sys.audit.prune', 'POST', '/v1/sys/audit/prune', { tenant: null, body: { older_than_days: 30 } });
  await call('sys.audit.seal', 'POST', '/v1/sys/audit/seal', { tenant: null, body: { reason: 'nothing is broken' } }); // 409: intact
  // An entry changed behind the server's back (the SQLite file edited, as an intruder would): verify
  // finds the break, and sealing it acknowledges the problems.
  const file = new Database(s.db.url);
  try {
    file.prepare("update audit_events set action = 'tampered' where seq = (select min(seq) + 1 from audit_events)").run();
  } finally {
    file.close();
  }
  await call('sys.audit.verify', 'POST', '/v1/sys/audit/verify', { tenant: null });
  await call('sys.audit.seal', 'POST', '/v1/sys/audit/seal', { tenant: null, body: { reason: 'edited by the OpenAPI test' } });
  await call('rotation.scheduled', 'POST', '/internal/scheduled-rotation', { body: { schedule_name: 'nightly', max: 10 } });
  await call('rotation.scheduled', 'POST', '/internal/scheduled-rotation', { body: { all_tenants: true } });
  await call('vault.sys.health', 'GET', '/v1/sys/health', { token: '', tenant: null });
  await call('vault.sys.sealStatus', 'GET', '/v1/sys/seal-status', { token: '', tenant: null });
  const vault = { headers: { 'x-vault-token': s.rootToken } };
  await call('vault.kv.read', 'GET', '/v1/kv/data/nope/missing', vault); // 404 in Vault's shape
  await call('vault.kv.write', 'POST', '/v1/kv/data/app/db', { ...vault, body: { data: { password: 'pw-1' } } });
  await call('vault.kv.write.put', 'PUT', '/v1/kv/data/app/db', { ...vault, body: { data: { password: 'pw-2' } } });
  await call('vault.kv.read', 'GET', '/v1/kv/data/app/db', vault);
  await call('vault.kv.metadata', 'GET', '/v1/kv/metadata/app/db', vault);
  await call('vault.token.lookupSelf', 'GET', '/v1/auth/token/lookup-self', { ...vault, tenant: null });
  await call('vault.kv.deleteLatest', 'DELETE', '/v1/kv/data/app/db', vault);

  // The event stream, over a real connection (an event stream never ends, so not through inject):
  // a secret written, deleted and restored, rotated and rotated in an emergency while it is open.
  // node:http, one connection of its own: Node 20's fetch opens a spare connection when a stream is
  // aborted, which the server's close would wait for.
  const base = await s.app.http.listen({ port: 0, host: '127.0.0.1' });
  let text = '';
  let wake = () => {};
  const stream = await new Promise<IncomingMessage>((resolve, reject) =>
    httpGet(
      `${base}/v1/events`,
      { agent: false, headers: { authorization: `Bearer ${s.rootToken}`, 'x-tenant-id': 'default', accept: 'text/event-stream' } },
      resolve,
    ).on('error', reject),
  );
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    wake();
  });
  const readUntil = async (needle: string) => {
    const deadline = Date.now() + 10_000;
    while (!text.includes(needle)) {
      if (Date.now() > deadline || stream.complete) throw new Error(`the event stream sent no ${needle}: ${text.slice(-300)}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
  };
  await readUntil(': connected');
  await call('secrets.write', 'PUT', '/v1/secrets/stream/one', { body: { value: 'stream-value-1' } });
  await call('secrets.delete', 'DELETE', '/v1/secrets/stream/one');
  await call('secrets.restore', 'POST', '/v1/secrets/stream/one:restore');
  await call('rotation.rotate', 'POST', '/v1/rotation/rotate', { body: { secret_name: 'svc/token', reason: 'stream' } });
  await call('rotation.emergencyRotate', 'POST', '/v1/rotation/emergency-rotate', { body: { secret_name: 'svc/token', reason: 'stream' } });
  await readUntil('event: secret.emergency_rotated');
  stream.destroy();
  out.push({
    operationId: 'events.stream',
    method: 'GET',
    url: '/v1/events',
    status: stream.statusCode!,
    body: undefined,
    headers: stream.headers,
    text,
  });
  for (const e of ['secret.changed', 'secret.rotated', '"change":"restore"'])
    if (!text.includes(e)) throw new Error(`the event stream sent no ${e}: ${text.slice(0, 300)}`);

  // Sign out.
  await call('console.session.delete', 'DELETE', '/v1/console/session', {
    token: '',
    tenant: null,
    headers: { cookie, 'x-keyhaven-csrf': signIn.body?.csrf_token },
  });
  return out;
};
