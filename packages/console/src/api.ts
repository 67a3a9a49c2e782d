// The console's only way to the server: the public REST API on this origin, authenticated by the
// session cookie (HttpOnly, set by POST /v1/console/session). Changes carry the session's CSRF token
// in X-Keyhaven-CSRF; the token itself is sent once, at sign-in, and never kept.

import type { components, operations } from './api-types.js';

export interface ApiError {
  status: number;
  code: string;
  message: string;
  requestId?: string;
}

// Response types come from the server's OpenAPI document (api-types.ts, `npm run openapi:types`).
type Schemas = components['schemas'];
/** The JSON body an operation answers with the given status. */
export type Answer<Op extends keyof operations, Status extends number = 200> =
  operations[Op]['responses'] extends Record<Status, { content: { 'application/json': infer B } }> ? B : never;

export type TokenInfo = Schemas['TokenSelf'];
export type SessionInfo = Schemas['ConsoleSession'];
export type Tenant = Schemas['Tenant'];
export type SecretMeta = Schemas['SecretMeta'];
export type SecretVersion = Schemas['SecretVersion'];
export type SecretDetail = Schemas['SecretDetail'];
export type SecretValue = Schemas['SecretValue'];
export type Schedule = Schemas['RotationSchedule'];
export type RotationRun = Schemas['RotationRun'];
export type RotateResult = Schemas['RotateResult'];
export type AuditEvent = Schemas['AuditEvent'];
export type VerifyResult = Schemas['AuditVerifyResult'];
export type EmergencyDryRun = Schemas['EmergencyDryRun'];
export type EmergencyResult = Schemas['EmergencyBulkResult'];
export type Anomaly = Schemas['Anomaly'];

export interface Selector {
  tag?: string;
  type?: string;
  criticality?: string;
  prefix?: string;
  service?: string;
}
export type Provider = Schemas['Provider'];
export interface ProviderTest {
  ok: boolean;
  message?: string;
  error?: { code?: string; message?: string } | string;
  latency_ms?: number;
  [k: string]: unknown;
}
export type SyncDestination = Schemas['SyncDestination'];
export type SyncState = Schemas['SyncState'];
export type FingerprintMatch = Schemas['FingerprintMatch'];
export type TokenRow = Schemas['Token'];
export type CreatedToken = Schemas['CreatedToken'];
export type Role = Schemas['Role'];
export type PolicyRule = Policy['rules'][number];
export type Policy = Schemas['Policy'];
export type Subscription = Schemas['NotificationSubscription'];
export type Delivery = Schemas['NotificationDelivery'];
export type ManualRotation = Answer<'notifications.manualRotations'>['items'][number];
export interface NewSubscription {
  id: string;
  channel: string;
  config: Record<string, unknown>;
  event_types?: string[];
  min_criticality?: string;
  name_prefix?: string;
}

export class ApiFailure extends Error implements ApiError {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public requestId?: string,
  ) {
    super(message);
  }
}

let csrf: string | null = null;
let tenant: string | null = null;
let onSignedOut: () => void = () => {};

export const setTenant = (t: string | null) => {
  tenant = t;
};
export const currentTenant = () => tenant;
export const whenSignedOut = (f: () => void) => {
  onSignedOut = f;
};

type Query = Record<string, string | number | boolean | undefined | null>;
const qs = (q?: Query) => {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
};
/** A secret name in a path: each segment encoded, the slashes kept. */
export const secretPath = (name: string) => name.split('/').map(encodeURIComponent).join('/');

async function call<T>(
  method: string,
  path: string,
  o: { query?: Query; body?: unknown; tenant?: boolean; bearer?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-keyhaven-csrf'] = csrf;
  if (o.tenant !== false && tenant) headers['x-tenant-id'] = tenant;
  if (o.bearer) headers.authorization = `Bearer ${o.bearer}`;
  const res = await fetch(path + qs(o.query), {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; request_id?: string } } | undefined)?.error;
    const failure = new ApiFailure(
      res.status,
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? `The server answered ${res.status}.`,
      e?.request_id,
    );
    if (res.status === 401 && !o.bearer) {
      csrf = null;
      onSignedOut();
    }
    throw failure;
  }
  return data as T;
}

export const api = {
  /** Exchanges a token for a session cookie; the token is not kept anywhere after this call. */
  async signIn(token: string): Promise<SessionInfo> {
    const s = await call<Answer<'console.session.create', 201>>('POST', '/v1/console/session', { bearer: token, tenant: false });
    csrf = s.csrf_token;
    return s;
  },
  async session(): Promise<SessionInfo> {
    const s = await call<Answer<'console.session.get'>>('GET', '/v1/console/session', { tenant: false });
    csrf = s.csrf_token;
    return s;
  },
  async signOut() {
    try {
      await call('DELETE', '/v1/console/session', { tenant: false });
    } finally {
      csrf = null;
    }
  },
  ssoEnabled: async () => (await call<{ enabled: boolean }>('GET', '/v1/console/oidc', { tenant: false })).enabled,
  tenants: () => call<Answer<'tenants.list'>>('GET', '/v1/tenants', { tenant: false }),
  secrets: (q: Query) => call<Answer<'secrets.list'>>('GET', '/v1/secrets', { query: q }),
  describe: (name: string) => call<Answer<'secrets.describe'>>('GET', `/v1/secrets/${secretPath(name)}:describe`),
  reveal: (name: string, version?: number) =>
    call<Answer<'secrets.read'>>('GET', `/v1/secrets/${secretPath(name)}`, { query: { version } }),
  writeVersion: (name: string, value: string) =>
    call<Answer<'secrets.write'>>('PUT', `/v1/secrets/${secretPath(name)}`, { body: { value } }),
  create: (name: string, value: string, meta: Record<string, unknown>) =>
    call<Answer<'secrets.create', 201>>('POST', '/v1/secrets', { body: { name, value, ...meta } }),
  remove: (name: string) => call<Answer<'secrets.delete'>>('DELETE', `/v1/secrets/${secretPath(name)}`),
  restore: (name: string) => call<Answer<'secrets.restore'>>('POST', `/v1/secrets/${secretPath(name)}:restore`),
  destroy: (name: string, versions?: number[]) =>
    call<Answer<'secrets.destroy'>>('POST', `/v1/secrets/${secretPath(name)}:destroy`, { body: versions ? { versions } : {} }),
  schedules: () => call<Answer<'rotation.schedules'>>('GET', '/v1/rotation/schedules'),
  history: (q: Query) => call<Answer<'rotation.history'>>('GET', '/v1/rotation/history', { query: q }),
  rotate: (name: string, reason: string) =>
    call<Answer<'rotation.rotate'>>('POST', '/v1/rotation/rotate', { body: { secret_name: name, reason: reason || undefined } }),
  rollback: (name: string, reason: string) =>
    call<Answer<'rotation.rollback'>>('POST', '/v1/rotation/rollback', {
      body: { secret_name: name, reason: reason || undefined },
    }),
  updateMetadata: (name: string, meta: Record<string, unknown>) =>
    call<Answer<'secrets.update'>>('PATCH', `/v1/secrets/${secretPath(name)}`, { body: meta }),
  audit: (q: Query) => call<Answer<'audit.events'>>('GET', '/v1/audit/events', { query: q }),
  verify: () => call<Answer<'sys.audit.verify'>>('POST', '/v1/sys/audit/verify', { tenant: false }),
  emergencyDryRun: (selector: Selector) =>
    call<EmergencyDryRun>('POST', '/v1/rotation/emergency-rotate', { body: { selector, dry_run: true } }),
  emergencyRotate: (selector: Selector, reason: string) =>
    call<EmergencyResult>('POST', '/v1/rotation/emergency-rotate', { body: { selector, confirm: true, reason: reason || undefined } }),
  emergencyRotateOne: (name: string, reason: string) =>
    call<RotateResult>('POST', '/v1/rotation/emergency-rotate', { body: { secret_name: name, reason: reason || undefined } }),
  access: (name: string, q: Query) => call<Answer<'audit.access'>>('GET', `/v1/audit/access/${secretPath(name)}`, { query: q }),
  anomalies: () => call<Answer<'audit.anomalies'>>('GET', '/v1/audit/anomalies'),
  providers: () => call<Answer<'providers.list'>>('GET', '/v1/providers'),
  testProvider: (id: string) => call<ProviderTest>('POST', `/v1/providers/${encodeURIComponent(id)}/test`),
  syncDestinations: () => call<Answer<'sync.destinations.list'>>('GET', '/v1/sync/destinations'),
  syncStatus: (q: Query) => call<Answer<'sync.status'>>('GET', '/v1/sync/status', { query: q }),
  syncRun: () => call<Answer<'sync.run'>>('POST', '/v1/sync/run', { body: {} }),
  /** Only SHA-256 digests leave the browser: never a value. */
  matchFingerprints: (sha256: string[]) => call<Answer<'fingerprints.match'>>('POST', '/v1/fingerprints/match', { body: { sha256 } }),
  tokens: () => call<Answer<'tokens.list'>>('GET', '/v1/tokens'),
  createToken: (b: { name: string; role: string; kind: string; ttl_seconds?: number }) =>
    call<Answer<'tokens.create', 201>>('POST', '/v1/tokens', { body: b }),
  revokeToken: (id: string) => call<Answer<'tokens.revoke'>>('DELETE', `/v1/tokens/${encodeURIComponent(id)}`),
  roles: () => call<Answer<'roles.list'>>('GET', '/v1/roles'),
  putRole: (name: string, b: { description?: string | null; policies: string[] }) =>
    call<Answer<'roles.put'>>('PUT', `/v1/roles/${encodeURIComponent(name)}`, { body: b }),
  policies: () => call<Answer<'policies.list'>>('GET', '/v1/policies'),
  putPolicy: (name: string, b: { description?: string | null; rules: PolicyRule[] }) =>
    call<Answer<'policies.put'>>('PUT', `/v1/policies/${encodeURIComponent(name)}`, { body: b }),
  notificationChannels: () => call<Answer<'notifications.channels'>>('GET', '/v1/notifications/channels'),
  subscriptions: () => call<Answer<'notifications.subscriptions.list'>>('GET', '/v1/notifications/subscriptions'),
  createSubscription: (b: NewSubscription) =>
    call<Answer<'notifications.subscriptions.create', 201>>('POST', '/v1/notifications/subscriptions', { body: b }),
  setSubscriptionEnabled: (id: string, enabled: boolean) =>
    call<Answer<'notifications.subscriptions.update'>>('PATCH', `/v1/notifications/subscriptions/${encodeURIComponent(id)}`, {
      body: { enabled },
    }),
  testSubscription: (id: string) =>
    call<Answer<'notifications.subscriptions.test'>>('POST', `/v1/notifications/subscriptions/${encodeURIComponent(id)}/test`),
  deleteSubscription: (id: string) =>
    call<Answer<'notifications.subscriptions.delete'>>('DELETE', `/v1/notifications/subscriptions/${encodeURIComponent(id)}`),
  deadLetters: () => call<Answer<'notifications.deadLetters'>>('GET', '/v1/notifications/dead-letters', { query: { limit: 200 } }),
  retryDeadLetter: (id: number) => call<Answer<'notifications.deadLetters.retry'>>('POST', `/v1/notifications/dead-letters/${id}/retry`),
  retryAllDeadLetters: () =>
    call<Answer<'notifications.deadLetters.retryAll'>>('POST', '/v1/notifications/dead-letters/retry', { body: {} }),
  manualRotations: (withinDays: number) =>
    call<Answer<'notifications.manualRotations'>>('GET', '/v1/notifications/manual-rotations', { query: { within_days: withinDays } }),
};
