// The strategy logic shared by every user/password rotator (single and alternating users): building
// the pending value, set/test/rollback/revoke on top of a small per-target driver.
import { randomBytes } from 'node:crypto';
import { KeyhavenError } from '../../../lib/errors.js';
import type { Rotator } from '../../rotator-types.js';
import { parseCredential, type Credential, type StrategyConfig } from './credential-config.js';

/** What a target must provide; every method throws sanitized KeyhavenErrors only. */
export interface CredentialDriver {
  /** Set `username`'s password as the admin (must fail, not create, when the user is missing). */
  setPassword(username: string, password: string, purpose: 'set' | 'rollback' | 'revoke'): Promise<void>;
  /** Fresh login as the credential plus a trivial query. */
  login(credential: Credential): Promise<void>;
  /** After a revoke: end the user's open sessions where the target allows it (best effort). */
  endSessions?(username: string): Promise<void>;
  close(): Promise<void>;
}

export interface CredentialDefaults {
  host?: string;
  port?: number;
  database?: string | number;
}

/** An unknowable password: 256 random bits, never stored or returned. */
export const unknowablePassword = (): string => randomBytes(32).toString('base64url');

export const createCredentialRotator = (config: StrategyConfig, defaults: CredentialDefaults, driver: CredentialDriver): Rotator => ({
  prepare(current, generated) {
    const cur = current === null ? null : parseCredential(current, 'current');
    let username: string | undefined;
    if (config.strategy === 'alternating') {
      const [a, b] = config.users as [string, string];
      username = cur?.username === a ? b : a;
    } else {
      username = cur?.username ?? config.username;
    }
    if (!username) {
      throw new KeyhavenError(
        'ROTATOR_CONFIG_INVALID',
        'The single strategy needs a current value with a username, or "username" in the rotator config.',
        [{ path: 'username', message: 'required' }],
      );
    }
    const host = config.host ?? cur?.host ?? defaults.host;
    const port = config.port ?? cur?.port ?? defaults.port;
    if (!host || !port) {
      throw new KeyhavenError('ROTATOR_CONFIG_INVALID', 'No host/port for the credential: set "host" and "port" in the rotator config.', [
        { path: 'host', message: 'required' },
        { path: 'port', message: 'required' },
      ]);
    }
    const database = cur?.database ?? defaults.database;
    const next: Record<string, unknown> = { ...(cur ?? {}), username, password: generated, host, port };
    if (database !== undefined) next.database = database;
    return next;
  },

  async set(pending) {
    const p = parseCredential(pending, 'pending');
    await driver.setPassword(p.username, p.password, 'set');
  },

  async test(pending) {
    await driver.login(parseCredential(pending, 'pending'));
  },

  async rollback(pending, current) {
    const p = parseCredential(pending, 'pending');
    const cur = current === null ? null : parseCredential(current, 'current');
    // Same user (single strategy): put the current password back. Other user (alternating): the
    // pending password was never promoted, so nobody may keep it: scramble it.
    const password = cur && cur.username === p.username ? cur.password : unknowablePassword();
    await driver.setPassword(p.username, password, 'rollback');
  },

  async revoke(old) {
    const o = parseCredential(old, 'revoked');
    await driver.setPassword(o.username, unknowablePassword(), 'revoke');
    await driver.endSessions?.(o.username);
  },

  close: () => driver.close(),
});

export const PURPOSE_CODE = { set: 'ROTATION_SET_FAILED', rollback: 'ROTATION_ROLLBACK_FAILED', revoke: 'ROTATION_REVOKE_FAILED' } as const;
