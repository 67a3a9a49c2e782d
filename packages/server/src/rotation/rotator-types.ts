// The rotator plugin contract: a rotator changes a real credential on a target system (database,
// cache, HTTP endpoint). The rotation engine drives prepare → set → test → (rollback) and revoke.
import type { z } from 'zod';
import type { ProviderContext } from '../providers/provider-types.js';

export type CredentialValue = string | Record<string, unknown>;

export interface RotatorContext<C> {
  /** Validated by the definition's configSchema. */
  config: C;
  /** e.g. {username,password,host,port,database}, resolved by the engine from another Keyhaven secret. */
  adminCredential?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Bounded network waits; default 10000. */
  timeoutMs: number;
  /** The operator's settings for providers that reach the server's process or files (the provider
   *  rotator); absent means none of them is enabled. */
  providers?: ProviderContext;
}

export interface Rotator {
  /** Build the value that will be stored as `pending`, from the current value and a freshly generated password/secret. Pure: must not touch the target. For alternating strategy this switches to the other user. */
  prepare(current: CredentialValue | null, generated: string): CredentialValue;
  /** Apply the pending value on the target. Idempotent (the engine may repeat it after a crash). */
  set(pending: CredentialValue, current: CredentialValue | null): Promise<void>;
  /** Prove the pending value works: a real login + trivial query (SELECT 1 / PING / AUTH...). */
  test(pending: CredentialValue): Promise<void>;
  /** Undo set where possible so `current` keeps working (single-user: set the password back to current's). */
  rollback(pending: CredentialValue, current: CredentialValue | null): Promise<void>;
  /** Optional last step before the labels move (provider-native rotators: e.g. move the provider's
   *  own staging label). Idempotent: the engine may repeat it after a crash. */
  finish?(pending: CredentialValue, current: CredentialValue | null): Promise<void>;
  /** Emergency: make a retired credential unusable at once (set it to an unknowable random password / disable the ACL user). */
  revoke(old: CredentialValue): Promise<void>;
  close(): Promise<void>;
}

export type RotationStrategy = 'single' | 'alternating';

export interface RotatorCapabilities {
  strategies: RotationStrategy[];
  rollback: boolean;
  revoke: boolean;
  needsAdminCredential: boolean;
  /** No external system: set/test/rollback/revoke do nothing, so the engine may persist create, set
   *  and test in one transaction and finish in another (the `generated` rotator). */
  valueOnly?: boolean;
}

export interface RotatorDefinition<C = unknown> {
  kind: string;
  displayName: string;
  description: string;
  configSchema: z.ZodType<C, z.ZodTypeDef, unknown>;
  capabilities: RotatorCapabilities;
  /** The system this rotator changes, as a key for the per-target rate limit (e.g.
   *  "postgres://db:5432/app", "webhook://hooks.example.com"); none for value-only rotators. Never a
   *  credential. `config` is the stored (validated) config, `adminCredential` as stored. */
  target?(config: C, adminCredential?: Record<string, unknown>): string | null;
  create(ctx: RotatorContext<C>): Rotator;
  /** The network destinations (URLs or hosts, with the setting's name) the rotator connects to for
   *  this config, admin credential and credential values, for the operator's egress policy: checked
   *  when the rotation is registered and right before each step that connects. */
  destinations?(
    config: C,
    adminCredential: Record<string, unknown> | undefined,
    values: ReadonlyArray<CredentialValue | null | undefined>,
  ): Array<readonly [string | undefined, string]>;
}

export const DEFAULT_ROTATOR_TIMEOUT_MS = 10_000;
