// The secret model: types, criticality, and the shapes the secret service returns.

export const SECRET_TYPES = [
  'api_key',
  'token',
  'password',
  'database_credentials',
  'ssh_key',
  'tls_certificate',
  'oauth_token',
  'jwt_secret',
  'encryption_key',
  'webhook_secret',
  'service_account_key',
  'generic',
] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

export const LABELS = ['current', 'pending', 'previous'] as const;
export type Label = (typeof LABELS)[number];

export type SecretValue = string | Record<string, unknown>;

export interface SecretMetadataInput {
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

export interface SecretSummary {
  id: string;
  name: string;
  type: SecretType;
  description: string | null;
  tags: string[];
  service: string | null;
  environment: string | null;
  criticality: Criticality;
  owner: string | null;
  expires_at: string | null;
  metadata: Record<string, string>;
  max_versions: number;
  labels: Partial<Record<Label, number>>;
  latest_version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
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

export interface SecretRead {
  name: string;
  version: number;
  labels: Label[];
  type: SecretType;
  value: unknown;
  created_at: string;
}

export interface ListFilter {
  prefix?: string;
  type?: SecretType;
  tags?: string[];
  service?: string;
  environment?: string;
  criticality?: Criticality;
  include_deleted?: boolean;
  limit: number;
  cursor?: string;
}
