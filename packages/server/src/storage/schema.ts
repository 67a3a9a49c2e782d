// Table types for Kysely, shared by SQLite and PostgreSQL. Timestamps are ISO-8601 UTC strings.

import type { Generated } from 'kysely';
export interface TenantsTable {
  id: string;
  name: string;
  created_at: string;
  deleted_at: string | null;
}

export interface TokensTable {
  id: string;
  name: string;
  token_hash: string;
  kind: string; // root | personal | service
  is_root: number;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_by: string | null;
  ttl_seconds: number | null;
  /** Set on tokens a login issued (migration 008): approle, kubernetes or jwt. */
  auth_method: string | null;
  auth_role: string | null;
  /** Who logged in: a Kubernetes namespace/service account, a JWT subject, an AppRole secret_id accessor. */
  auth_identity: string | null;
  /** JSON object of login metadata (claim mappings, role name). */
  auth_metadata: string | null;
  /** Renewals never move the expiry past this (the role's max TTL). */
  max_expires_at: string | null;
  /** JSON array of CIDRs the token may be used from. */
  bound_cidrs: string | null;
}

export interface TokenGrantsTable {
  token_id: string;
  tenant_id: string;
  role: string;
}

export interface SecretsTable {
  id: string;
  tenant_id: string;
  name: string;
  type: string;
  description: string | null;
  service: string | null;
  environment: string | null;
  criticality: string;
  owner: string | null;
  expires_at: string | null;
  metadata: string; // JSON object
  max_versions: number;
  current_version: number | null;
  pending_version: number | null;
  previous_version: number | null;
  latest_version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  row_version: number;
}

export interface SecretTagsTable {
  tenant_id: string;
  secret_id: string;
  tag: string;
}

export interface SecretVersionsTable {
  tenant_id: string;
  secret_id: string;
  version: number;
  wrapped_dek: string | null;
  ciphertext: string | null;
  kek_id: string | null;
  value_kind: string; // string | json
  size_bytes: number;
  state: string; // active | failed | destroyed
  created_at: string;
  created_by: string | null;
  destroyed_at: string | null;
}

export interface SecretFingerprintsTable {
  tenant_id: string;
  secret_id: string;
  version: number;
  field: string; // '' for the whole value
  fingerprint: string;
}

export interface KeyringTable {
  id: string;
  purpose: string;
  wrapped: string;
  state: string;
  source: string;
  created_at: string;
}

export interface AuditEventsTable {
  /** Global insertion order (what clients page by); not covered by the chain's MACs. */
  seq: Generated<number>;
  /** The chain: a tenant id, '' for system events, '~legacy' for entries written before 011. */
  chain: Generated<string>;
  /** The position in the chain (covered by the MAC). */
  chain_seq: number;
  tenant_id: string;
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
  user_agent: string | null;
  request_id: string | null;
  version: number | null;
  value_hmac: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}
export interface AuditHeadTable {
  chain: string;
  seq: number;
  hash: string;
  signature: string;
}
export interface AuditCheckpointsTable {
  chain: string;
  seq: number;
  hash: string;
  signature: string;
  pruned: number;
  created_at: string;
  kind: Generated<string>;
  note: Generated<string | null>;
}
/** Signed digests of every chain head (ADR 0011). */
export interface AuditDigestsTable {
  seq: number;
  time: string;
  heads: string;
  hash: string;
  signature: string;
}
export interface PoliciesTable {
  tenant_id: string;
  name: string;
  description: string | null;
  rules: string;
  created_at: string;
  updated_at: string;
}
export interface RolesTable {
  tenant_id: string;
  name: string;
  description: string | null;
  policies: string;
  created_at: string;
  updated_at: string;
}

export interface RotationConfigsTable {
  tenant_id: string;
  secret_id: string;
  secret_name: string;
  secret_type: string;
  provider_name: string | null;
  rotator_kind: string;
  rotator_config: string;
  admin_credential_secret: string | null;
  generator_kind: string;
  generator_options: string;
  interval_days: number | null;
  cron: string | null;
  timezone: string;
  rotation_window: string | null;
  auto_rotation: number;
  criticality: string;
  rotate_before_expiry_days: number | null;
  description: string | null;
  next_rotation_at: string | null;
  last_rotated_at: string | null;
  last_status: string | null;
  failure_count: number;
  next_retry_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}
export interface RotationRunsTable {
  id: string;
  tenant_id: string;
  secret_id: string;
  secret_name: string;
  status: string;
  step: string;
  method: string;
  attempt: number;
  rotator_kind: string;
  previous_version: number | null;
  new_version: number | null;
  revoke_versions: string | null;
  supplied: number;
  value_hmac: string | null;
  reason: string | null;
  actor_id: string | null;
  actor_name: string | null;
  error_code: string | null;
  error_message: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  next_retry_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
}

// provider features (migration 004)
export interface ProviderConfigsTable {
  tenant_id: string;
  id: string;
  kind: string;
  config: string;
  credential_secret: string | null;
  created_at: string;
  updated_at: string;
}
export interface SyncDestinationsTable {
  tenant_id: string;
  id: string;
  secret_name: string | null;
  prefix: string | null;
  provider_id: string;
  template: string;
  initial_policy: string;
  never_delete_remote: number;
  created_at: string;
}
export interface SyncStatesTable {
  tenant_id: string;
  destination_id: string;
  secret_name: string;
  remote_name: string | null;
  status: string;
  last_error: string | null;
  synced_version: number | null;
  attempts: number;
  next_attempt_at: string | null;
  updated_at: string;
}

// notifications (migration 009)
export interface NotificationSubscriptionsTable {
  tenant_id: string;
  id: string;
  kind: string;
  config: string;
  sealed: string | null;
  event_types: string;
  min_criticality: string | null;
  name_prefix: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
}
export interface NotificationOutboxTable {
  seq: Generated<number>;
  tenant_id: string;
  event_id: string;
  subscription_id: string;
  event_type: string;
  order_key: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  delivered_at: string | null;
}
export interface NotificationMarksTable {
  tenant_id: string;
  mark: string;
  created_at: string;
}

export interface AuthConfigsTable {
  tenant_id: string;
  method: string;
  config: string;
  sealed_dek: string | null;
  sealed_secret: string | null;
  updated_at: string;
}
export interface AuthRolesTable {
  tenant_id: string;
  method: string;
  name: string;
  role_id: string | null;
  config: string;
  created_at: string;
  updated_at: string;
}
export interface AuthSecretIdsTable {
  accessor: string;
  tenant_id: string;
  role_name: string;
  secret_hash: string;
  uses_left: number | null;
  expires_at: string | null;
  bound_cidrs: string | null;
  metadata: string | null;
  created_at: string;
}
export interface AuthLoginFailuresTable {
  key: string;
  window_start: string;
  count: number;
}

/** Server-wide scheduled jobs (migration 010): last run and a lease shared by replicas. */
export interface JobStateTable {
  name: string;
  created_at: string;
  last_run_at: string | null;
  last_run_by: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  /** Settings changed at run time (migration 012), JSON; null: the configuration's. */
  settings: string | null;
  settings_at: string | null;
}

/** Web console sessions (migration 013): id is a SHA-256 of the cookie; token and CSRF sealed. */
export interface ConsoleSessionsTable {
  id: string;
  token_id: string;
  minted_tenant: string | null;
  sealed_dek: string;
  sealed: string;
  /** ISO times (fixed width, so they compare as text). */
  created_at: string;
  last_used_at: string;
}

export interface Database {
  job_state: JobStateTable;
  console_sessions: ConsoleSessionsTable;
  auth_configs: AuthConfigsTable;
  auth_roles: AuthRolesTable;
  auth_secret_ids: AuthSecretIdsTable;
  auth_login_failures: AuthLoginFailuresTable;
  notification_subscriptions: NotificationSubscriptionsTable;
  notification_outbox: NotificationOutboxTable;
  notification_marks: NotificationMarksTable;
  provider_configs: ProviderConfigsTable;
  sync_destinations: SyncDestinationsTable;
  sync_states: SyncStatesTable;
  rotation_configs: RotationConfigsTable;
  rotation_runs: RotationRunsTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_digests: AuditDigestsTable;
  policies: PoliciesTable;
  roles: RolesTable;
  tenants: TenantsTable;
  tokens: TokensTable;
  token_grants: TokenGrantsTable;
  secrets: SecretsTable;
  secret_tags: SecretTagsTable;
  secret_versions: SecretVersionsTable;
  secret_fingerprints: SecretFingerprintsTable;
  keyring: KeyringTable;
}

/** Tables whose rows belong to one tenant: row-level security protects them on PostgreSQL. */
export const TENANT_TABLES = ['token_grants', 'secrets', 'secret_tags', 'secret_versions', 'secret_fingerprints'] as const;
export const TENANT_TABLES_003 = ['rotation_configs', 'rotation_runs'] as const;
export const TENANT_TABLES_004 = ['provider_configs', 'sync_destinations', 'sync_states'] as const;
export const TENANT_TABLES_009 = ['notification_subscriptions', 'notification_outbox', 'notification_marks'] as const;
