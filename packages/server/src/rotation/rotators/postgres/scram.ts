// SCRAM-SHA-256 password verifiers as PostgreSQL stores them (RFC 5802/7677): the rotator sends the
// verifier, not the plaintext, so the new password never appears in server logs or pg_stat_activity.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const ITERATIONS = 4096;

const keys = (password: string, salt: Buffer, iterations: number) => {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return { storedKey, serverKey };
};

/** "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>" for a password. */
export const scramVerifier = (password: string, salt: Buffer = randomBytes(16), iterations = ITERATIONS): string => {
  const { storedKey, serverKey } = keys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
};

/** Whether `password` matches a stored SCRAM-SHA-256 verifier (what the server checks at login). */
export const scramMatches = (password: string, verifier: string | null): boolean => {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier ?? '');
  if (!m) return false;
  const { storedKey, serverKey } = keys(password, Buffer.from(m[2], 'base64'), Number(m[1]));
  const wantStored = Buffer.from(m[3], 'base64');
  const wantServer = Buffer.from(m[4], 'base64');
  return (
    wantStored.length === 32 && wantServer.length === 32 && timingSafeEqual(storedKey, wantStored) && timingSafeEqual(serverKey, wantServer)
  );
};
