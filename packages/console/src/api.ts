// The console's only way to the server: the public REST API on this origin, authenticated by the
// session cookie (HttpOnly, set by POST /v1/console/session). Changes carry the session's CSRF token
// in X-Keyhaven-CSRF; the token itself is sent once, at sign-in, and never kept.

export interface ApiError {
  status: number;
  code: string;
  message: string;
  requestId?: string;
}

export interface TokenInfo {
  id: string;
  name: string;
  kind: string;
  is_root: boolean;
  role: string | null;
  tenant: string | null;
  expires_at: string | null;
  grants?: Array<{ tenant: string; role: string }>;
}
export interface SessionInfo {
  csrf_token: string;
  idle_seconds: number;
  token: TokenInfo;
}
export interface Tenant {
  id: string;
  name: string;
  created_at: string;
}
export interface SecretMeta {
  id: string;
  name: string;
  type: string;
  description: string | null;
  tags: string[];
  service: string | null;
  environment: string | null;
  criticality: string;
  owner: string | null;
  expires_at: string | null;
  metadata: Record<string, string>;
  max_versions: number;
  labels: Partial<Record<'current' | 'pending' | 'previous', number>>;
  latest_version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}
export interface SecretVersion {
  version: number;
  state: string;
  labels: string[];
  size_bytes: number;
  value_kind: string;
  created_at: string;
  created_by: string | null;
  destroyed_at: string | null;
}
export interface SecretDetail extends SecretMeta {
  versions: SecretVersion[];
}
export interface SecretValue {
  name: string;
  version: number;
  labels: string[];
  value: unknown;
  created_at: string;
}
export interface Schedule {
  secret_name: string;
  secret_type: string;
  rotator: string;
  rotation_interval_days: number | null;
  cron: string | null;
  timezone: string;
  auto_rotation_enabled: boolean;
  criticality: string;
  next_rotation_date: string | null;
  last_rotation_date: string | null;
  last_status: string | null;
  failure_count: number;
  next_retry_at: string | null;
}
export interface RotationRun {
  id: string;
  secret_name: string;
  rotation_date: string;
  rotation_status: string;
  step: string;
  rotation_method: string;
  previous_version: number | null;
  new_version: number | null;
  duration_seconds: number | null;
  actor: string | null;
  reason: string | null;
  rotator: string;
  error_code: string | null;
  error_message: string | null;
  finished_at: string | null;
}
export interface RotateResult {
  run_id: string;
  secret_name: string;
  status: string;
  new_version: number | null;
  duration_ms: number;
}
export interface AuditEvent {
  seq: number;
  tenant: string;
  time: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_kind: string;
  action: string;
  resource: string | null;
  outcome: string;
  status: number | null;
  error_code: string | null;
  source_ip: string | null;
  request_id: string | null;
  version: number | null;
}
export interface VerifyResult {
  ok: boolean;
  checked: number;
  first_seq: number | null;
  last_seq: number | null;
  problems: Array<{ seq?: number; kind?: string; message?: string } | string>;
  more_problems: boolean;
  anchor?: { status: string };
}

export interface Selector {
  tag?: string;
  type?: string;
  criticality?: string;
  prefix?: string;
  service?: string;
}
export interface EmergencyDryRun {
  dry_run: true;
  count: number;
  secrets: string[];
  items: Array<{ name: string; registered: boolean; rotator: string | null }>;
  unregistered_left_out: number;
}
export interface EmergencyResult {
  dry_run: false;
  count: number;
  succeeded: number;
  failed: number;
  results: Array<{ secret_name: string; status: string; new_version?: number | null; error?: { code: string; message: string } }>;
}
export interface Anomaly {
  kind: string;
  tenant: string;
  key: string;
  summary: string;
  count: number;
  first_seen: string;
  last_seen: string;
  actor_id?: string | null;
  source_ip?: string | null;
  resource?: string | null;
}
export interface Provider {
  id: string;
  kind: string;
  display_name: string;
  config: Record<string, unknown>;
  credential: { stored: boolean; secret: string | null };
  capabilities: Record<string, unknown> | string[];
  created_at: string;
  updated_at: string;
}
export interface ProviderTest {
  ok: boolean;
  message?: string;
  error?: { code?: string; message?: string } | string;
  latency_ms?: number;
  [k: string]: unknown;
}
export interface SyncDestination {
  id: string;
  secret_name: string | null;
  prefix: string | null;
  provider_id: string;
  template: string;
  initial_policy: string;
  never_delete_remote: boolean;
  created_at: string;
}
export interface SyncState {
  destination_id: string;
  secret_name: string;
  remote_name: string;
  status: 'ok' | 'pending' | 'error';
  last_error: string | null;
  synced_version: number | null;
  attempts: number;
  next_attempt_at: string | null;
  updated_at: string;
}
export interface FingerprintMatch {
  sha256: string;
  tenant: string;
  secret: string;
  version: number;
  field?: string;
  label?: string;
}
export interface TokenRow {
  id: string;
  name: string;
  kind: string;
  role: string | null;
  tenant: string | null;
  is_root: boolean;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_by: string | null;
  identity: { method: string; role: string; subject: string | null; metadata: Record<string, string> } | null;
}
export interface CreatedToken extends TokenRow {
  token: string;
}
export interface Role {
  name: string;
  builtin?: boolean;
  description?: string | null;
  policies?: string[];
  [k: string]: unknown;
}
export interface PolicyRule {
  effect: 'allow' | 'deny';
  actions: string[];
  paths?: string[];
  environments?: string[];
  tags?: string[];
  [k: string]: unknown;
}
export interface Policy {
  name: string;
  description: string | null;
  rules: PolicyRule[];
  [k: string]: unknown;
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
    const s = await call<SessionInfo>('POST', '/v1/console/session', { bearer: token, tenant: false });
    csrf = s.csrf_token;
    return s;
  },
  async session(): Promise<SessionInfo> {
    const s = await call<SessionInfo>('GET', '/v1/console/session', { tenant: false });
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
  tenants: () => call<{ items: Tenant[] }>('GET', '/v1/tenants', { tenant: false }),
  secrets: (q: Query) => call<{ items: SecretMeta[]; next_cursor: string | null }>('GET', '/v1/secrets', { query: q }),
  describe: (name: string) => call<SecretDetail>('GET', `/v1/secrets/${secretPath(name)}:describe`),
  reveal: (name: string, version?: number) => call<SecretValue>('GET', `/v1/secrets/${secretPath(name)}`, { query: { version } }),
  writeVersion: (name: string, value: string) => call<{ version: number }>('PUT', `/v1/secrets/${secretPath(name)}`, { body: { value } }),
  create: (name: string, value: string, meta: Record<string, unknown>) =>
    call<{ version: number }>('POST', '/v1/secrets', { body: { name, value, ...meta } }),
  remove: (name: string) => call('DELETE', `/v1/secrets/${secretPath(name)}`),
  restore: (name: string) => call('POST', `/v1/secrets/${secretPath(name)}:restore`),
  destroy: (name: string, versions?: number[]) =>
    call('POST', `/v1/secrets/${secretPath(name)}:destroy`, { body: versions ? { versions } : {} }),
  schedules: () => call<{ items: Schedule[] }>('GET', '/v1/rotation/schedules'),
  history: (q: Query) => call<{ items: RotationRun[] }>('GET', '/v1/rotation/history', { query: q }),
  rotate: (name: string, reason: string) =>
    call<RotateResult>('POST', '/v1/rotation/rotate', { body: { secret_name: name, reason: reason || undefined } }),
  rollback: (name: string, reason: string) =>
    call<RotateResult & { restored_from_version: number | null }>('POST', '/v1/rotation/rollback', {
      body: { secret_name: name, reason: reason || undefined },
    }),
  updateMetadata: (name: string, meta: Record<string, unknown>) =>
    call<SecretMeta>('PATCH', `/v1/secrets/${secretPath(name)}`, { body: meta }),
  audit: (q: Query) => call<{ items: AuditEvent[]; next_before: number | null }>('GET', '/v1/audit/events', { query: q }),
  verify: () => call<VerifyResult>('POST', '/v1/sys/audit/verify', { tenant: false }),
  emergencyDryRun: (selector: Selector) =>
    call<EmergencyDryRun>('POST', '/v1/rotation/emergency-rotate', { body: { selector, dry_run: true } }),
  emergencyRotate: (selector: Selector, reason: string) =>
    call<EmergencyResult>('POST', '/v1/rotation/emergency-rotate', { body: { selector, confirm: true, reason: reason || undefined } }),
  emergencyRotateOne: (name: string, reason: string) =>
    call<RotateResult>('POST', '/v1/rotation/emergency-rotate', { body: { secret_name: name, reason: reason || undefined } }),
  access: (name: string, q: Query) =>
    call<{ items: AuditEvent[]; next_before: number | null }>('GET', `/v1/audit/access/${secretPath(name)}`, { query: q }),
  anomalies: () => call<{ items: Anomaly[] }>('GET', '/v1/audit/anomalies'),
  providers: () => call<{ items: Provider[]; kinds: unknown }>('GET', '/v1/providers'),
  testProvider: (id: string) => call<ProviderTest>('POST', `/v1/providers/${encodeURIComponent(id)}/test`),
  syncDestinations: () => call<{ items: SyncDestination[] }>('GET', '/v1/sync/destinations'),
  syncStatus: (q: Query) =>
    call<{ summary: Record<'ok' | 'pending' | 'error', number>; items: SyncState[]; next_cursor: string | null }>(
      'GET',
      '/v1/sync/status',
      { query: q },
    ),
  syncRun: () => call<Record<string, unknown>>('POST', '/v1/sync/run', { body: {} }),
  /** Only SHA-256 digests leave the browser: never a value. */
  matchFingerprints: (sha256: string[]) => call<{ matches: FingerprintMatch[] }>('POST', '/v1/fingerprints/match', { body: { sha256 } }),
  tokens: () => call<{ items: TokenRow[] }>('GET', '/v1/tokens'),
  createToken: (b: { name: string; role: string; kind: string; ttl_seconds?: number }) =>
    call<CreatedToken>('POST', '/v1/tokens', { body: b }),
  revokeToken: (id: string) => call('DELETE', `/v1/tokens/${encodeURIComponent(id)}`),
  roles: () => call<{ items: Role[] }>('GET', '/v1/roles'),
  putRole: (name: string, b: { description?: string | null; policies: string[] }) =>
    call<Role>('PUT', `/v1/roles/${encodeURIComponent(name)}`, { body: b }),
  policies: () => call<{ items: Policy[] }>('GET', '/v1/policies'),
  putPolicy: (name: string, b: { description?: string | null; rules: PolicyRule[] }) =>
    call<Policy>('PUT', `/v1/policies/${encodeURIComponent(name)}`, { body: b }),
};
