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

/** An event with its place in the hash chain. */
export interface ChainedEvent extends AuditEvent {
  seq: number;
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
  append(events: AuditEvent[]): Promise<ChainedEvent[]>;
  close?(): Promise<void>;
}

export interface AuditHead {
  seq: number;
  hash: string;
}
export const GENESIS_HASH = '0'.repeat(64);
