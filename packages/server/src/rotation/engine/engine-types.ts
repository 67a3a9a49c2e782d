// The ports of the rotation engine: what it needs from the secret service, audit, events and the
// rotator registry, passed in by the composition root (tests pass wrappers through the same door).
import type { AuditEvent } from '../../audit/audit-types.js';
import type { DomainEvent } from '../../events/event-bus.js';
import type { Clock } from '../../lib/clock.js';
import type { Executor, StorageHandle } from '../../storage/database.js';
import type { GeneratedValue } from '../generators/generator-types.js';
import type { CredentialValue, Rotator } from '../rotator-types.js';
import type { ConfigRow, RotationStore, RunRow, SecretFacts } from './rotation-store.js';

export interface EngineScope {
  tenant: string;
  actor: { tokenId: string; name: string };
}

/** The secret service methods the engine uses (structurally the SecretService's). */
export interface SecretPort {
  read(
    scope: EngineScope,
    name: string,
    ref?: { version?: number; label?: 'current' | 'pending' | 'previous' },
  ): Promise<{ version: number; value: unknown }>;
  write(
    scope: EngineScope,
    name: string,
    value: unknown,
    opts: {
      label?: 'current' | 'pending';
      inTransaction?: (
        trx: Executor,
        written: { version: number; before: { current_version: number | null; previous_version: number | null } | null },
      ) => Promise<void>;
    },
  ): Promise<{ version: number }>;
  promotePending(
    scope: EngineScope,
    name: string,
    version: number,
    opts?: { inTransaction?: (trx: Executor) => Promise<void> },
  ): Promise<unknown>;
  abandonPending(scope: EngineScope, name: string, version: number): Promise<unknown>;
}

export type RotatorFactory = (
  kind: string,
  opts: { config: unknown; adminCredential?: Record<string, unknown>; timeoutMs?: number },
) => Rotator;

export type RotationMethod = 'automatic' | 'manual' | 'emergency' | 'rollback';
export type RunStatus = 'in_progress' | 'success' | 'failed' | 'partial' | 'rolled_back';
/** The last step completed and persisted. */
export type RunStep = 'started' | 'created' | 'set' | 'tested' | 'finished' | 'revoked' | 'done';

export interface EngineDeps {
  storage: StorageHandle;
  store: RotationStore;
  secrets: SecretPort;
  rotators: RotatorFactory;
  /** True for rotators without an external system (capability `valueOnly`): their runs persist
   *  create+set+test in one transaction and finish+history+registration in another. */
  valueOnly(kind: string): boolean;
  generate(kind: string, options: unknown): Promise<GeneratedValue>;
  /** Keyed fingerprint of a supplied value (never the value itself). */
  fingerprint(value: string): string;
  audit(event: AuditEvent): Promise<unknown>;
  publish(event: DomainEvent): void;
  /** Notifications: a run's outcome is queued in the transaction that ends the run (outbox). */
  outbox?: {
    record(
      ex: Executor,
      e: {
        type: 'secret.rotated' | 'secret.rotation_failed' | 'secret.rolled_back' | 'secret.emergency_rotated';
        tenant: string;
        time: string;
        secret: { name: string };
        data: Record<string, unknown>;
      },
    ): Promise<number>;
  };
  clock: Clock;
  owner: string;
  leaseMs: number;
  retry: { baseMs: number; maxMs: number };
  timeoutMs: number;
  /** When a registration is next due after a rotation at `from` (schedule + window + expiry). Pure. */
  nextRotationAt(config: ConfigRow, from: Date, expiresAt: string | null): string | null;
  /** The per-target rate limit (rotation.maxRotationsPerTargetPerMinute); emergency rotations are not limited. */
  limiter?: { take(key: string): boolean; waitMs(key: string): number; perMinute: number };
  /** The target key of a rotator (its definition's `target`); null when it has none. */
  targetOf?(kind: string, config: unknown, adminCredential: Record<string, unknown> | undefined): string | null;
  /** Observers (metrics, progress, fault injection); never change the outcome. */
  observer?: {
    /** A new run, after its attempt was audited (resumed runs are seen first by stepPersisted). */
    runStarted?(run: RunRow, secretType: string): void;
    stepPersisted?(run: RunRow): void;
    /** A run left in progress for the next engine run after an unexpected error. */
    suspended?(run: RunRow, code: string): void;
  };
}

export interface RotationPlan {
  tenant: string;
  secretName: string;
  method: RotationMethod;
  actor: { tokenId: string; name: string } | null;
  reason?: string;
  /** Supplied value (emergency `new_value`, rollback): string passes through rotator.prepare; objects are stored as they are. */
  supplied?: CredentialValue;
  /** Revoke the old credentials on the target once the new one is current (emergency). */
  revokeOld: boolean;
  /** The registration when the caller already holds it (batch claim, manual lease); null = not registered. */
  config?: ConfigRow | null;
  /** The secret's facts when the caller read them for a whole batch (one query, not one per secret). */
  facts?: SecretFacts;
}

export interface RunResult {
  run_id: string;
  secret_name: string;
  status: RunStatus;
  step: RunStep;
  method: RotationMethod;
  previous_version: number | null;
  new_version: number | null;
  error?: { code: string; message: string };
  next_retry_at: string | null;
  duration_ms: number | null;
}
