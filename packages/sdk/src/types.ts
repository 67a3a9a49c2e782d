// Wire types of the Keyhaven REST API, shared by the SDK's callers (CLI, applications).

export type SecretType =
  | 'api_key'
  | 'token'
  | 'password'
  | 'database_credentials'
  | 'ssh_key'
  | 'tls_certificate'
  | 'oauth_token'
  | 'jwt_secret'
  | 'encryption_key'
  | 'webhook_secret'
  | 'service_account_key'
  | 'generic';
export type Criticality = 'low' | 'medium' | 'high' | 'critical';
export type Label = 'current' | 'pending' | 'previous';
export type Role = 'read' | 'write' | 'delete' | 'admin';
export type SecretValue = string | Record<string, unknown>;

export interface SecretMetadata {
  type?: SecretType;
  description?: string | null;
  tags?: string[];
  service?: string | null;
  environment?: string | null;
  criticality?: Criticality;
  owner?: string | null;
  expires_at?: string | null;
  metadata?: Record<string, string>;
  max_versions?: number;
}

export interface SecretRead {
  name: string;
  version: number;
  labels: Label[];
  type: SecretType;
  value: unknown;
  created_at: string;
}
export interface WriteResult {
  name: string;
  version: number;
  labels: Label[];
  created_at: string;
}
export interface VersionInfo {
  version: number;
  state: 'active' | 'failed' | 'destroyed';
  labels: Label[];
  size_bytes: number;
  value_kind: 'string' | 'json';
  created_at: string;
  created_by: string | null;
  destroyed_at: string | null;
}
export interface SecretSummary extends Required<Omit<SecretMetadata, 'metadata'>> {
  id: string;
  name: string;
  metadata: Record<string, string>;
  labels: Partial<Record<Label, number>>;
  latest_version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}
export interface SecretDescription extends SecretSummary {
  versions: VersionInfo[];
}
export interface ListOptions {
  prefix?: string;
  type?: SecretType;
  tags?: string[];
  service?: string;
  environment?: string;
  criticality?: Criticality;
  include_deleted?: boolean;
  limit?: number;
  cursor?: string;
}
export interface Tenant {
  id: string;
  name: string;
  created_at: string;
}
export interface TokenView {
  id: string;
  name: string;
  kind: 'root' | 'personal' | 'service';
  role: Role | null;
  tenant: string | null;
  is_root: boolean;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_by: string | null;
  /** Set for tokens a login (AppRole, Kubernetes, JWT) issued. */
  identity?: { method: string; role: string; subject: string | null; metadata: Record<string, string> } | null;
  max_expires_at?: string | null;
}
export interface FingerprintMatch {
  sha256: string;
  tenant: string;
  secret: string;
  version: number;
  field?: string;
  label?: Label;
}
