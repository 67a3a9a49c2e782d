// The provider contract: one interface over external secret stores (AWS SM, GCP SM, Azure KV, Vault,
// Kubernetes, dotenv, env) plus the definition object each provider folder exports for the registry.
import type { EgressPolicy } from '../lib/egress.js';
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

/** What the operator allows providers that reach the server's own process or file system (the
 *  server config's providers.env and providers.dotenv); tenants cannot change any of it. */
export interface ProviderHostSettings {
  env: { enabled: boolean; allow: readonly string[] };
  dotenv: { enabled: boolean; directories: readonly string[] };
  /** Whether a provider without a credential may act with the server's own identity (see config). */
  ambientCredentials?: boolean;
}

/** Passed by the composition root to every provider it creates. */
export interface ProviderContext {
  host: ProviderHostSettings;
  /** Keyhaven's own files and directories (data dir, master key, config, audit file, TLS key): never
   *  readable or writable through a provider, whatever the operator allows. */
  protectedPaths: readonly string[];
  /** The operator's egress policy for the destinations in a provider's config (endpoint, address…).
   *  The server always sets it; a library caller without one (tests driving a store directly) is not
   *  checked. */
  egress?: EgressPolicy;
}

/** Secure by default: nothing on the host is reachable unless the operator enables it. */
export const DEFAULT_PROVIDER_CONTEXT: ProviderContext = Object.freeze({
  host: Object.freeze({ env: Object.freeze({ enabled: false, allow: [] }), dotenv: Object.freeze({ enabled: false, directories: [] }) }),
  protectedPaths: [],
});

export interface ProviderDefinition<C = unknown> {
  kind: string;
  displayName: string;
  description: string;
  /** Non-secret config (region, endpoint, project, vault url, namespace, mount...). */
  configSchema: z.ZodType<C, z.ZodTypeDef, unknown>;
  /** Secret credential fields, kept by the caller behind the barrier and passed in at create(). */
  credentialSchema: z.ZodType<unknown>;
  capabilities: ProviderCapabilities;
  /** Set on providers that reach the server's own process or files: the registry refuses to create
   *  them (PROVIDER_DISABLED) unless the operator enabled providers.<kind>.enabled. */
  hostAccess?: 'env' | 'dotenv';
  /** Checks a config against the operator's settings before anything is stored or opened (e.g. a
   *  dotenv path outside the allowed directories: PROVIDER_PATH_FORBIDDEN). */
  admit?(config: C, ctx: ProviderContext): Promise<void>;
  /** When this config and credential would act with the server's own identity, what that identity
   *  is ("the AWS default credential chain"); undefined when the tenant's credential is used. */
  ambientIdentity?(config: C, credential: unknown | undefined): string | undefined;
  /** The network destinations (URLs or hosts) the config makes the server connect to, with the
   *  setting's name, for the egress policy (checked when saved and before each connection). */
  destinations?(config: C): Array<readonly [string | undefined, string]>;
  create(config: C, credential: unknown | undefined, ctx: ProviderContext): Promise<Provider>;
}
