// The default KEK source: a 32-byte master key from a file (created with mode 0600 on first start)
// or from KEYHAVEN_MASTER_KEY. The key never leaves this process.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { aeadOpen, aeadSeal } from '../aead.js';
import { fail } from '../../lib/errors.js';
import type { KekSource, KekSourceDefinition } from '../kek-source.js';

/** Accepts base64 (44 chars) or hex (64 chars) encodings of a 32-byte key. */
export const parseMasterKey = (text: string): Buffer => {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) {
    throw fail(
      'MASTER_KEY_INVALID',
      'The master key must be 32 bytes, given as base64 (44 characters) or hex (64 characters); generate one with `openssl rand -base64 32`.',
    );
  }
  return key;
};

export const createLocalKekSource = (key: Buffer, describe: string): KekSource => ({
  kind: 'local',
  describe,
  async wrap(plaintext, aad) {
    return aeadSeal(key, plaintext, `kek:${aad}`).toString('base64url');
  },
  async unwrap(wrapped, aad) {
    const out = aeadOpen(key, Buffer.from(wrapped, 'base64url'), `kek:${aad}`);
    if (!out) throw fail('MASTER_KEY_INVALID');
    return out;
  },
});

/** Reads the key file, or creates it (0600, directory 0700) when it does not exist yet. */
export const loadOrCreateKeyFile = (file: string, opts: { storeExists?: boolean } = {}): { key: Buffer; created: boolean } => {
  if (!existsSync(file) && opts.storeExists) {
    throw fail(
      'MASTER_KEY_MISSING',
      `The store already has a keyring but the master key file ${file} does not exist; restore it (or set KEYHAVEN_MASTER_KEY). A new key cannot open this store, so none was written.`,
    );
  }
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    // A file mounted read-only (a Kubernetes Secret volume, a compose/Docker secret) keeps the mode
    // its orchestrator gave it: tightening it is best effort, never a reason to refuse to start.
    if (mode & 0o077) {
      try {
        chmodSync(file, 0o600);
      } catch {
        /* read-only mount or not ours */
      }
    }
    return { key: parseMasterKey(readFileSync(file, 'utf8')), created: false };
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, created: true };
};

export const localKeyDefinition: KekSourceDefinition<{ key?: string; file?: string; storeExists?: boolean }> = {
  kind: 'local',
  displayName: 'Local master key (file or environment)',
  configSchema: z.object({ key: z.string().optional(), file: z.string().optional(), storeExists: z.boolean().optional() }),
  async create(config) {
    if (config.key) return createLocalKekSource(parseMasterKey(config.key), 'master key from KEYHAVEN_MASTER_KEY');
    if (!config.file) throw fail('CONFIG_INVALID', 'No master key: set KEYHAVEN_MASTER_KEY or KEYHAVEN_MASTER_KEY_FILE.');
    const { key } = loadOrCreateKeyFile(config.file, { storeExists: config.storeExists });
    return createLocalKekSource(key, `master key file ${config.file}`);
  },
};
