// Builds a real app on a real backend for tests, bootstrapped with a root token, and small helpers
// to call it through the HTTP layer (inject) as a client would.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../../src/config/load-config.js';
import { buildApp, bootstrap, type KeyhavenApp } from '../../src/app.js';
import { createTestDatabase, type BackendName, type TestDatabase } from './backends.js';
import type { KeyhavenConfigInput } from '../../src/config/config-schema.js';
import type { Clock } from '../../src/lib/clock.js';
import type { SchedulerTimer } from '../../src/rotation/engine/scheduler.js';

export interface TestServer {
  app: KeyhavenApp;
  db: TestDatabase;
  rootToken: string;
  masterKey: string;
  call(
    method: string,
    url: string,
    opts?: { token?: string; tenant?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }>;
  close(): Promise<void>;
}

/** Tests run their fake stores and targets on 127.0.0.1, so the test server allows loopback egress;
 *  pass `config: { egress: {} }` for the server's default policy. */
export const startTestServer = async (
  backend: BackendName,
  opts: {
    config?: Partial<KeyhavenConfigInput>;
    clock?: Clock;
    masterKey?: string;
    db?: TestDatabase;
    logLines?: string[];
    stdout?: NodeJS.WritableStream;
    schedulerTimer?: SchedulerTimer;
  } = {},
): Promise<TestServer> => {
  const db = opts.db ?? (await createTestDatabase(backend));
  const masterKey = opts.masterKey ?? randomBytes(32).toString('base64');
  const config = loadConfig({
    env: {},
    flags: { dataDir: db.dataDir, databaseUrl: db.url, masterKey, logLevel: 'info', egress: { allowLoopback: true }, ...opts.config },
  });
  const logger = pino(
    { level: config.logLevel },
    {
      write: (line: string) => {
        opts.logLines?.push(line);
      },
    },
  );
  const app = await buildApp(config, { clock: opts.clock, logger, stdout: opts.stdout, schedulerTimer: opts.schedulerTimer });
  const boot = await bootstrap(app);
  const rootToken = boot?.rootToken ?? '';
  const call: TestServer['call'] = async (method, url, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const token = o.token === undefined ? rootToken : o.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (o.tenant !== null) headers['x-tenant-id'] = o.tenant ?? 'default';
    let payload: string | undefined = o.raw;
    if (o.body !== undefined) {
      payload = JSON.stringify(o.body);
      headers['content-type'] = 'application/json';
    } else if (o.raw !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await app.http.inject({ method: method as 'GET', url, headers, payload });
    let body: any;
    try {
      body = res.json();
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, body, headers: res.headers, text: res.body };
  };
  return {
    app,
    db,
    rootToken,
    masterKey,
    call,
    async close() {
      await app.close();
      if (!opts.db) await db.drop();
    },
  };
};
