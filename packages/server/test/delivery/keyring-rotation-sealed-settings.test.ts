// A keyring rotation re-wraps everything the barrier sealed, not only secret versions: the Kubernetes
// login's reviewer token and a webhook subscription's signing secret move to the new KEK too (before,
// they stayed under the old one while the rotation reported "completed"), and a console session too. Both still work afterwards:
// the TokenReview carries the same reviewer token and the webhook's signature checks with the same
// signing secret. On both backends, through the HTTP API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startIdentityFixtures, type IdentityFixtures } from '../support/identity-servers.js';
import { startReceiver, waitFor, type Receiver } from '../notifications/support.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const consoleDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyhaven-console-dist-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
  return dir;
};

const kekOf = (wrapped: string) => wrapped.split('.')[1];

describe.each(backends())('keyring rotation of sealed settings (%s)', (backend) => {
  let s: TestServer;
  let fx: IdentityFixtures;
  let rx: Receiver;

  beforeAll(async () => {
    fx = await startIdentityFixtures();
    rx = await startReceiver();
    s = await startTestServer(backend, {
      config: {
        logLevel: 'silent',
        keyRotation: { batchSize: 50 },
        notifications: { pollIntervalMs: 100, retryBaseMs: 50 },
        console: { dir: consoleDir() },
      } as never,
    });
  });
  afterAll(async () => {
    await s?.close();
    await fx?.close();
    await rx?.down();
  });

  const sealedRows = async () => {
    // Every tenant's rows ('*'): on PostgreSQL row-level security hides them from an unscoped read.
    const [cfg, sub, session] = await s.app.storage.withTenant(
      '*',
      async (db) =>
        [
          await db.selectFrom('auth_configs').select(['sealed_dek']).where('method', '=', 'kubernetes').executeTakeFirstOrThrow(),
          await db.selectFrom('notification_subscriptions').select(['sealed']).where('id', '=', 'hook').executeTakeFirstOrThrow(),
          await db.selectFrom('console_sessions').select(['sealed_dek']).executeTakeFirstOrThrow(),
        ] as const,
    );
    return {
      reviewer: kekOf(cfg.sealed_dek!),
      webhook: kekOf((JSON.parse(sub.sealed!) as { wrappedDek: string }).wrappedDek),
      session: kekOf(session.sealed_dek),
    };
  };

  it('moves the reviewer token, the signing secret and a console session to the new KEK, and all still work', async () => {
    expect(
      (
        await s.call('POST', '/v1/auth/kubernetes/config', {
          body: { kubernetes_host: fx.kubernetesUrl, token_reviewer_jwt: fx.reviewerJwt },
        })
      ).status,
    ).toBe(204);
    await s.call('POST', '/v1/auth/kubernetes/role/api', {
      body: { bound_service_account_names: ['api'], bound_service_account_namespaces: ['payments'], token_role: 'read' },
    });
    const sub = await s.call('POST', '/v1/notifications/subscriptions', {
      body: { id: 'hook', channel: 'webhook', config: { url: rx.url }, event_types: ['secret.changed'] },
    });
    expect(sub.status, sub.text).toBe(201);
    rx.setSecret(sub.body.generated.signing_secret);
    expect((await s.call('PUT', '/v1/secrets/app/one', { body: { value: 'first-value-0001' } })).status).toBeLessThan(300);
    const signIn = await s.call('POST', '/v1/console/session', { tenant: null });
    expect(signIn.status).toBe(201);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    expect(await sealedRows()).toEqual({ reviewer: 'kek1', webhook: 'kek1', session: 'kek1' });

    const p = await s.call('POST', '/admin/secrets/key-rotation/perform', { tenant: null, body: {} });
    expect(p.status).toBe(202);
    // One secret version plus the three sealed settings.
    expect(p.body.data).toMatchObject({ target_kek: 'kek2', total: 4 });
    const done = await waitFor(async () => {
      const st = (await s.call('GET', '/admin/secrets/key-rotation/status', { tenant: null })).body.data;
      return st.state === 'running' ? null : st;
    }, 'the rotation to end');
    expect(done).toMatchObject({ state: 'completed', done: 4, failed: 0, remaining: 0 });
    expect(await sealedRows()).toEqual({ reviewer: 'kek2', webhook: 'kek2', session: 'kek2' });
    // The console session still opens: the cookie alone still signs its requests in.
    expect((await s.call('GET', '/v1/console/session', { token: null, tenant: null, headers: { cookie } })).status).toBe(200);

    // The reviewer token still opens: the TokenReview is sent with it.
    const login = await s.call('POST', '/v1/auth/kubernetes/login', {
      token: '',
      body: { role: 'api', jwt: fx.serviceAccountToken('payments', 'api') },
    });
    expect(login.status, login.text).toBe(200);
    expect(fx.reviews.at(-1)).toMatchObject({ authorization: `Bearer ${fx.reviewerJwt}` });
    // The signing secret still opens: an event after the rotation is signed with it.
    expect((await s.call('PUT', '/v1/secrets/app/two', { body: { value: 'second-value-0002' } })).status).toBeLessThan(300);
    const got = await waitFor(() => rx.order.find((r) => r.secret === 'app/two'), 'the webhook after rotation');
    expect(got.signatureOk).toBe(true);
    const listed = await s.call('GET', '/v1/notifications/subscriptions');
    expect(listed.body.items[0].secret).toEqual({ signing_secret: 'stored' });

    // A second rotation with nothing stale still counts the settings it moves again.
    const again = await s.call('POST', '/admin/secrets/key-rotation/perform', { tenant: null, body: {} });
    expect(again.body.data).toMatchObject({ target_kek: 'kek3', total: 5 });
    await waitFor(
      async () => (await s.call('GET', '/admin/secrets/key-rotation/status', { tenant: null })).body.data.state === 'completed',
      'rotation 2',
    );
    expect(await sealedRows()).toEqual({ reviewer: 'kek3', webhook: 'kek3', session: 'kek3' });
  });
});
