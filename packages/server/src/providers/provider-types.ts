// The provider contract: one interface over external secret stores (AWS SM, GCP SM, Azure KV, Vault,
// Kubernetes, dotenv, env) plus the definition object each provider folder exports for the registry.
import type { z } from 'zod';

export type Label = 'current' | 'pending' | 'previous';

export interface ProviderSecretVersion {
  name: string;
  version: string;
  value: string;
  labels: Label[];
  createdAt?: string;
}

export interface ProviderSecretInfo {
  name: string;
  versions?: Array<{ version: string; labels: Label[]; enabled?: boolean; createdAt?: string }>;
  tags?: Record<string, string>;
  description?: string;
}

export interface Provider {
  readonly kind: string;
  /** Resolves when the store answers with the given credential; throws KeyhavenError otherwise. */
  testConnection(): Promise<{ ok: true; details?: string }>;
  create(name: string, value: string, opts?: { description?: string; tags?: Record<string, string> }): Promise<ProviderSecretVersion>;
  /** Reads a version; the default is the version labelled current. */
  read(name: string, ref?: { version?: string; label?: Label }): Promise<ProviderSecretVersion>;
  /** Writes a new version, creating the secret when missing. 'pending' stages it without promoting (labels capability). */
  write(name: string, value: string, opts?: { label?: 'current' | 'pending'; cas?: string }): Promise<ProviderSecretVersion>;
  /** Only where capabilities.labels. */
  moveLabel?(name: string, label: Label, toVersion: string): Promise<void>;
  /** pending -> current, current -> previous; only where capabilities.labels. */
  promote?(name: string, version: string): Promise<void>;
  /** Enables or disables one version; only where capabilities.disableVersions. */
  setVersionEnabled?(name: string, version: string, enabled: boolean): Promise<void>;
  list(prefix?: string): Promise<string[]>;
  describe(name: string): Promise<ProviderSecretInfo>;
  delete(name: string, opts?: { force?: boolean }): Promise<void>;
  close?(): Promise<void>;
}

export interface ProviderCapabilities {
  /** Keeps older versions readable by id. */
  versions: boolean;
  /** Supports current/pending/previous labels (moveLabel, promote, write label 'pending'). */
  labels: boolean;
  /** Supports check-and-set writes (opts.cas). */
  cas: boolean;
  /** Versions can be disabled individually. */
  disableVersions: boolean;
  /** Accepts create/write/delete; false for read-only stores such as the process environment. */
  writable: boolean;
  /** Largest value the store accepts, checked before anything is sent. */
  maxValueBytes: number;
  /** Human-readable naming rule for secret names in this store. */
  nameRule: string;
}

export interface ProviderDefinition<C = unknown> {
  kind: string;
  displayName: string;
  description: string;
  /** Non-secret config (region, endpoint, project, vault url, namespace, mount...). */
  configSchema: z.ZodType<C, z.ZodTypeDef, unknown>;
  /** Secret credential fields, kept by the caller behind the barrier and passed in at create(). */
  credentialSchema: z.ZodType<unknown>;
  capabilities: ProviderCapabilities;
  create(config: C, credential: unknown | undefined): Promise<Provider>;
}
