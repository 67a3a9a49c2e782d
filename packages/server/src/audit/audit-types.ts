// Audit events and sinks. An event says who did what to which resource, with what outcome, from
// where; never a secret value (where a value must be correlated, a keyed hash of it).

export type AuditOutcome = 'success' | 'denied' | 'error' | 'attempt';
export type ActorKind = 'root' | 'personal' | 'service' | 'anonymous' | 'system';

export interface AuditEvent {
  time: string;
  tenant: string; // '' for events outside any tenant (failed authentication, system work)
  actor_id: string | null;
  actor_name: string | null;
  actor_kind: ActorKind;
  action: string; // e.g. secret.read, secret.write, token.create, auth.login
  resource: string | null;
  outcome: AuditOutcome;
  status: number | null;
  error_code: string | null;
  source_ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  version: number | null; // the version served (reads) or written
  value_hmac: string | null;
  details: Record<string, unknown> | null;
}

/** An event with its place in its tenant's hash chain (ADR 0011). */
export interface ChainedEvent extends AuditEvent {
  /** Global insertion order across chains (assigned when stored; what clients page by). */
  seq: number;
  /** The chain: the tenant id, '' for system events, '~legacy' for entries from before migration 011. */
  chain: string;
  /** The position in the chain, covered by the MAC. */
  chain_seq: number;
  prev_hash: string;
  hash: string;
}

export interface AuditSink {
  readonly name: string;
  /** Persists a batch (already chained, in order). Rejects when the batch was not stored. */
  write(events: ChainedEvent[]): Promise<void>;
  close?(): Promise<void>;
}

/** The chain's authority: chains a batch from the stored head and stores it with the new signed head. */
export interface ChainingSink {
  readonly name: string;
  /** Every event of one call belongs to one chain (the broker groups them). */
  append(chain: string, events: AuditEvent[]): Promise<ChainedEvent[]>;
  close?(): Promise<void>;
}

/** A chain position: `seq` is the position in the chain (chain_seq). */
export interface AuditHead {
  seq: number;
  hash: string;
}
/** The closed chain of every entry written before migration 011 (one global chain). */
export const LEGACY_CHAIN = '~legacy';
/** The chain of events outside any tenant (failed authentication, system work). */
export const SYSTEM_CHAIN = '';
/** How a chain is named to people. */
export const chainLabel = (chain: string) =>
  chain === SYSTEM_CHAIN ? 'the system chain' : chain === LEGACY_CHAIN ? 'the legacy chain (before 011)' : `tenant ${chain}'s chain`;
export const GENESIS_HASH = '0'.repeat(64);
