// The KEK source interface: what holds the master key that protects the keyring. A local file or
// the environment by default; a cloud KMS or Vault Transit where the master key must never leave it.
// Each source wraps and unwraps small keys (the keyring's key-encryption keys), binding them to `aad`.
import type { z } from 'zod';

export interface KekSource {
  /** Stable kind name, e.g. "file", "env", "aws-kms". */
  readonly kind: string;
  /** A description for logs and status output; never contains key material. */
  readonly describe: string;
  /** Encrypts a small key; the result is an opaque, printable string. */
  wrap(plaintext: Buffer, aad: string): Promise<string>;
  /** Reverses wrap; throws KeyhavenError('MASTER_KEY_INVALID') when the key or aad does not match. */
  unwrap(wrapped: string, aad: string): Promise<Buffer>;
  close?(): Promise<void>;
}

export interface KekSourceDefinition<C = unknown> {
  readonly kind: string;
  readonly displayName: string;
  readonly configSchema: z.ZodType<C>;
  create(config: C): Promise<KekSource>;
}
