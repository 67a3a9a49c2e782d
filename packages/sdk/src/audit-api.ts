// SDK methods for the audit trail (events, per-secret access, export, anomalies, verify, prune) and
// for access control (policies and custom roles).
type Request = <T>(
  method: string,
  path: string,
  o?: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; tenant?: boolean; text?: boolean },
) => Promise<T>;

export interface AuditEvent {
  /** Global insertion order (what pages go by). */
  seq: number;
  /** The hash chain: the tenant's id, '' for system events, '~legacy' for entries from before 011. */
  chain: string;
  /** The position in the chain (covered by its MAC). */
  chain_seq: number;
  time: string;
  tenant: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_kind: string;
  action: string;
  resource: string | null;
  outcome: 'success' | 'denied' | 'error' | 'attempt';
  status: number | null;
  error_code: string | null;
  source_ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  version: number | null;
  details: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}
export interface AuditFilter {
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  resource?: string;
  source_ip?: string;
  limit?: number;
  before?: number;
}
export interface AuditPage {
  items: AuditEvent[];
  next_before: number | null;
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
export interface ChainProblem {
  kind: string;
  /** The chain ('' system, '~legacy' before 011, else a tenant id); null for the digests themselves. */
  chain: string | null;
  /** The position in the chain. */
  seq: number | null;
  reason: string;
}
export interface VerifyResult {
  ok: boolean;
  checked: number;
  first_seq: number | null;
  last_seq: number | null;
  from_checkpoint: number | null;
  broken?: { chain?: string | null; seq: number | null; reason: string };
  /** Present when not ok. */
  code?: 'AUDIT_CHAIN_DAMAGED';
  /** Every problem found (up to 50; more_problems says there were more). */
  problems?: ChainProblem[];
  more_problems?: boolean;
  head?: { seq: number; hash: string } | null;
  anchor?: { status: 'ok' | 'none' | 'off' | 'invalid'; file: string | null; seq: number | null; time: string | null };
  /** `refused`: the server appends nothing to the chain (AUDIT_CHAIN_DAMAGED) until it is restored or sealed. */
  appends?: 'ok' | 'refused' | 'off';
  seals?: Array<{ chain?: string; seq: number; time: string; reason: string | null }>;
  /** Each chain verified (one per tenant, one for system events, the legacy one from before 011). */
  chains?: Array<{ chain: string; checked: number; first_seq: number | null; last_seq: number | null; from_checkpoint: number | null }>;
  /** The newest signed digest of every chain head stored in the database. */
  digest?: { seq: number; time: string; chains: number } | null;
}
export interface ExportVerifyResult {
  ok: boolean;
  code?: 'AUDIT_CHAIN_DAMAGED';
  checked: number;
  chains: Array<{ chain: string; checked: number; first_seq: number | null; last_seq: number | null; head: number | null }>;
  legacy_entries: number;
  problems: ChainProblem[];
  more_problems: boolean;
}
/** A signed digest of every chain head: `heads` is the sorted list of [chain, position, hash]. */
export interface AuditCheckpoint {
  format: string;
  seq: number;
  hash: string;
  time: string;
  heads: Array<[string, number, string]>;
  signature: string;
  anchor_file: string | null;
  stored: boolean;
}
export interface SealResult {
  /** Each chain sealed, and the position its verification starts again from. */
  chains?: Array<{ chain: string; sealed_at: number }>;
  sealed: true;
  sealed_at: number;
  seal_seq: number;
  acknowledged: ChainProblem[];
}
export interface PolicyRule {
  effect: 'allow' | 'deny';
  actions: string[];
  paths?: string[];
  environments?: string[];
  tags?: string[];
}
export interface Policy {
  name: string;
  description: string | null;
  rules: PolicyRule[];
  created_at: string;
  updated_at: string;
}
export interface RoleView {
  name: string;
  description: string | null;
  policies: string[];
  builtin: boolean;
}

const enc = (name: string) => name.split('/').map(encodeURIComponent).join('/');

export const auditApi = (request: Request) => ({
  /** Events of the current tenant (newest first), or of every tenant with `all` (root). */
  events: (f: AuditFilter = {}, all = false) =>
    request<AuditPage>('GET', all ? '/v1/sys/audit/events' : '/v1/audit/events', { query: { ...f }, tenant: !all }),
  /** Who accessed one secret, when, and with what result. */
  access: (name: string, f: Omit<AuditFilter, 'resource'> = {}) =>
    request<AuditPage>('GET', `/v1/audit/access/${enc(name)}`, { query: { ...f } }),
  anomalies: async (all = false) =>
    (await request<{ items: Anomaly[] }>('GET', all ? '/v1/sys/audit/anomalies' : '/v1/audit/anomalies', { tenant: !all })).items,
  /** Export as JSON lines or CSV text (oldest first). */
  export: (format: 'jsonl' | 'csv', f: Omit<AuditFilter, 'limit' | 'before' | 'source_ip'> = {}, all = false) =>
    request<string>('GET', all ? '/v1/sys/audit/export' : '/v1/audit/export', { query: { format, ...f }, tenant: !all, text: true }),
  /** Every chain (root), one chain (root, `chain`), or the current tenant's own chain (`tenant: true`). */
  verify: (o: { chain?: string; tenant?: boolean } = {}) =>
    o.tenant
      ? request<VerifyResult>('POST', '/v1/audit/verify', { tenant: true })
      : request<VerifyResult>('POST', '/v1/sys/audit/verify', { tenant: false, query: { chain: o.chain } }),
  /** Verifies an export (JSON lines) with the server's key: the current tenant's, or any (`all`, root). */
  verifyExport: (text: string, all?: boolean) =>
    request<ExportVerifyResult>('POST', all ? '/v1/sys/audit/verify-export' : '/v1/audit/verify-export', {
      body: { export: text },
      tenant: !all,
    }),
  /** The current signed checkpoint, to publish outside Keyhaven. */
  checkpoint: () => request<AuditCheckpoint>('GET', '/v1/sys/audit/checkpoint', { tenant: false }),
  /** Acknowledges a break in a damaged chain (recorded in the chain); verification restarts after it. */
  seal: (reason: string) => request<SealResult>('POST', '/v1/sys/audit/seal', { body: { reason }, tenant: false }),
  prune: (olderThanDays: number) =>
    request<{ pruned: number; checkpoint: number | null }>('POST', '/v1/sys/audit/prune', {
      body: { older_than_days: olderThanDays },
      tenant: false,
    }),
});

export const accessApi = (request: Request) => ({
  policies: {
    list: async () => (await request<{ items: Policy[] }>('GET', '/v1/policies')).items,
    get: (name: string) => request<Policy>('GET', `/v1/policies/${encodeURIComponent(name)}`),
    put: (name: string, body: { description?: string | null; rules: PolicyRule[] }) =>
      request<Policy>('PUT', `/v1/policies/${encodeURIComponent(name)}`, { body }),
    delete: (name: string) => request<{ name: string; deleted: boolean }>('DELETE', `/v1/policies/${encodeURIComponent(name)}`),
  },
  roles: {
    list: async () => (await request<{ items: RoleView[] }>('GET', '/v1/roles')).items,
    put: (name: string, body: { description?: string | null; policies: string[] }) =>
      request<RoleView>('PUT', `/v1/roles/${encodeURIComponent(name)}`, { body }),
    delete: (name: string) => request<{ name: string; deleted: boolean }>('DELETE', `/v1/roles/${encodeURIComponent(name)}`),
  },
});
