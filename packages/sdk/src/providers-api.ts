// SDK methods for provider features: provider configurations (seed 000 configure, test, seed 003
// credential validation, import), references, sync destinations and status, and master-key rewrap.
type Request = <T>(
  method: string,
  path: string,
  o?: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; tenant?: boolean },
) => Promise<T>;

export interface ProviderView {
  id: string;
  kind: string;
  display_name: string;
  config: Record<string, unknown>;
  credential: { stored: boolean; secret: string | null };
  capabilities: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}
export interface ConfigureProviderInput {
  provider_name?: string;
  kind?: string;
  name?: string;
  config: Record<string, unknown>;
  credential?: Record<string, unknown>;
  test_connection?: boolean;
}
export interface TestResult {
  id: string;
  kind: string;
  ok: boolean;
  details?: string;
  error?: { code: string; message: string };
}
export interface ImportReport {
  provider_id: string;
  dry_run: boolean;
  created: string[];
  updated: string[];
  unchanged: string[];
  skipped: Array<{ remote_name: string; name?: string; reason: string }>;
  counts: Record<'created' | 'updated' | 'unchanged' | 'skipped', number>;
}
export interface ReferenceRead {
  ref: string;
  provider_id: string;
  kind: string;
  value: unknown;
  version: string;
  cached: boolean;
}
export type InitialPolicy = 'overwrite' | 'import-keyhaven-wins' | 'import-remote-wins';
export interface SyncDestinationInput {
  id?: string;
  secret_name?: string;
  prefix?: string;
  provider_id: string;
  template?: string;
  initial_policy?: InitialPolicy;
  never_delete_remote?: boolean;
}
export interface SyncDestination extends Required<Omit<SyncDestinationInput, 'secret_name' | 'prefix'>> {
  secret_name: string | null;
  prefix: string | null;
  created_at: string;
}
export interface SyncState {
  destination_id: string;
  secret_name: string;
  remote_name: string | null;
  status: 'ok' | 'pending' | 'error';
  last_error: string | null;
  synced_version: number | null;
  attempts: number;
  next_attempt_at: string | null;
  updated_at: string;
}
export interface SyncRunResult {
  processed: number;
  ok: number;
  error: number;
  removed: number;
}

const enc = encodeURIComponent;

export const providersApi = (request: Request) => ({
  providers: {
    configure: (input: ConfigureProviderInput) =>
      request<ProviderView & { created: boolean; credential_fields: string[] }>('POST', '/providers/configure', { body: input }),
    list: (kind?: string) =>
      request<{ items: ProviderView[]; kinds: Array<{ kind: string; displayName: string; description: string }> }>('GET', '/v1/providers', {
        query: { kind },
      }),
    get: (id: string) => request<ProviderView>('GET', `/v1/providers/${enc(id)}`),
    remove: (id: string) => request<{ id: string; deleted: boolean }>('DELETE', `/v1/providers/${enc(id)}`),
    test: (id: string) => request<TestResult>('POST', `/v1/providers/${enc(id)}/test`),
    validateCredential: (id: string, credential?: Record<string, unknown>) =>
      request<{
        provider_id: string;
        valid: boolean;
        checks: Array<{ check: string; ok: boolean; error?: { code: string; message: string } }>;
      }>('POST', `/admin/secrets/providers/${enc(id)}/credentials/validate`, { body: credential ? { credential } : {} }),
    import: (id: string, o: { prefix?: string; dry_run?: boolean; overwrite?: boolean; target_prefix?: string } = {}) =>
      request<ImportReport>('POST', `/v1/providers/${enc(id)}/import`, { body: { dry_run: false, ...o } }),
  },
  references: {
    /** Reads `aws-sm://name#field`, `gcp-sm://project/name#version`, `vault://mount/path#key`, ... through a configured provider. */
    read: (ref: string, o: { provider?: string; cache?: boolean } = {}) =>
      request<ReferenceRead>('GET', '/v1/references', {
        query: { ref, provider: o.provider, cache: o.cache === false ? 'false' : undefined },
      }),
  },
  sync: {
    add: (input: SyncDestinationInput) =>
      request<SyncDestination & { queued: number; imported: number }>('POST', '/v1/sync/destinations', { body: input }),
    list: () => request<{ items: SyncDestination[] }>('GET', '/v1/sync/destinations'),
    remove: (id: string) => request<{ id: string; deleted: boolean }>('DELETE', `/v1/sync/destinations/${enc(id)}`),
    status: (o: { destination?: string; status?: 'ok' | 'pending' | 'error'; limit?: number } = {}) =>
      request<{ summary: Record<'ok' | 'pending' | 'error', number>; items: SyncState[]; next_cursor: string | null }>(
        'GET',
        '/v1/sync/status',
        { query: o },
      ),
    run: (destination?: string) => request<SyncRunResult>('POST', '/v1/sync/run', { body: destination ? { destination } : {} }),
  },
  operator: {
    /** Root only: re-wraps the keyring under a new master key source; restart with it afterwards. */
    rewrapMasterKey: (source: Record<string, unknown>) =>
      request<{ rewrapped: boolean; kind: string; describe: string; message: string; restart_with: Record<string, unknown> }>(
        'POST',
        '/v1/sys/master-key/rewrap',
        { body: source, tenant: false },
      ),
  },
});

export type ProvidersApi = ReturnType<typeof providersApi>;
