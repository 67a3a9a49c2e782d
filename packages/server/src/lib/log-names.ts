// Secret names in log lines: by default a keyed hash (HMAC-SHA256 under a key derived from the
// keyring's fingerprint key, so it is stable across restarts and replicas and cannot be reversed by
// guessing names without the key), or the name itself when the operator sets logSecretNames: clear.
// POST /v1/admin/log-name-hash gives the hash of a name, to find its log lines.
import { createHmac, hkdfSync } from 'node:crypto';

export type LogSecretNames = 'hashed' | 'clear';

export const deriveLogNameKey = (fingerprintKey: Buffer): Buffer =>
  Buffer.from(hkdfSync('sha256', fingerprintKey, Buffer.alloc(0), 'keyhaven log names v1', 32));

/** The form a hashed name takes in logs: `hmac:` and 16 hex characters (64 bits). */
export const HASHED_NAME = /^hmac:[0-9a-f]{16}$/;

export const createNameHasher = (key: Buffer) => (tenant: string, name: string) =>
  `hmac:${createHmac('sha256', key).update(`${tenant}\u0000${name}`).digest('hex').slice(0, 16)}`;

/** What a log line carries for a secret of a tenant. */
export const createLogNames = (opts: { key: Buffer; mode: LogSecretNames }) => {
  const hash = createNameHasher(opts.key);
  return {
    mode: opts.mode,
    hash,
    of: (tenant: string, name: string) => (opts.mode === 'clear' ? name : hash(tenant, name)),
  };
};

export type LogNames = ReturnType<typeof createLogNames>;

/** Error messages of the catalogue quote the names they are about ("…"); a log line that carries a
 *  message it did not write drops the quoted parts. */
export const withoutQuoted = (message: string | undefined) => (message ?? '').replace(/"[^"\n]{0,512}"/g, '"…"').slice(0, 200);
