// The keyring: versioned key-encryption keys (KEKs) and the fingerprint key, each stored wrapped by
// the master key (a KekSource). Opening it proves the master key; a wrong key refuses to start.
import { randomBytes } from 'node:crypto';
import { fail, KeyhavenError } from '../lib/errors.js';
import type { KekSource } from './kek-source.js';
import type { KeyringRow, KeyringStore } from '../storage/keyring-store.js';

export interface Keyring {
  readonly activeKekId: string;
  kek(id: string): Buffer | undefined;
  readonly fingerprintKey: Buffer;
  kekIds(): string[];
  /** Creates a new KEK and makes it active; existing KEKs keep decrypting. */
  rotate(): Promise<string>;
  /** Loads KEKs another replica added since this one opened the keyring (and its active choice). */
  refresh(): Promise<boolean>;
  /** Re-wraps every keyring entry under a new master key source (master key rotation). */
  rewrapUnder(source: KekSource): Promise<void>;
}

const aadFor = (row: Pick<KeyringRow, 'id' | 'purpose'>) => `keyring:${row.id}:${row.purpose}`;

const nextKekId = (ids: string[]): string => {
  const max = ids.reduce((m, id) => Math.max(m, Number(id.replace(/^kek/, '')) || 0), 0);
  return `kek${max + 1}`;
};

export const openKeyring = async (deps: { store: KeyringStore; source: KekSource; now: () => Date }): Promise<Keyring> => {
  const { store, now } = deps;
  let source = deps.source;
  let rows = await deps.store.loadKeyring();
  if (rows.length === 0) {
    const created = now().toISOString();
    for (const [id, purpose] of [
      ['kek1', 'kek'],
      ['fp1', 'fingerprint'],
    ] as const) {
      const row: KeyringRow = {
        id,
        purpose,
        wrapped: await source.wrap(randomBytes(32), aadFor({ id, purpose })),
        state: 'active',
        source: source.kind,
        created_at: created,
      };
      await store.insertKey(row, false);
    }
    rows = await store.loadKeyring();
  }
  const keys = new Map<string, Buffer>();
  for (const row of rows) {
    try {
      keys.set(row.id, await source.unwrap(row.wrapped, aadFor(row)));
    } catch (e) {
      if (e instanceof KeyhavenError && e.code !== 'MASTER_KEY_INVALID') throw e;
      throw fail(
        'MASTER_KEY_INVALID',
        `The master key (${source.describe}) does not open this store's keyring; start with the master key the store was created with.`,
      );
    }
  }
  let active = rows.find((r) => r.purpose === 'kek' && r.state === 'active');
  const fp = rows.find((r) => r.purpose === 'fingerprint' && r.state === 'active');
  if (!active || !fp) throw fail('MASTER_KEY_INVALID', 'The keyring is incomplete (no active key); the store may be damaged.');
  const kekRows = rows.filter((r) => r.purpose === 'kek');
  const fingerprintKey = keys.get(fp.id)!;

  return {
    get activeKekId() {
      return active!.id;
    },
    kek: (id) => (kekRows.some((r) => r.id === id) ? keys.get(id) : undefined),
    fingerprintKey,
    kekIds: () => kekRows.map((r) => r.id),
    async refresh() {
      const fresh = await store.loadKeyring();
      let changed = false;
      for (const row of fresh.filter((r) => r.purpose === 'kek')) {
        const known = kekRows.find((r) => r.id === row.id);
        if (!known) {
          keys.set(row.id, await source.unwrap(row.wrapped, aadFor(row)));
          kekRows.push(row);
          changed = true;
        } else if (known.state !== row.state) {
          known.state = row.state;
          changed = true;
        }
      }
      active = kekRows.find((r) => r.state === 'active') ?? active;
      return changed;
    },
    async rotate() {
      const id = nextKekId(kekRows.map((r) => r.id));
      const key = randomBytes(32);
      const row: KeyringRow = {
        id,
        purpose: 'kek',
        wrapped: await source.wrap(key, aadFor({ id, purpose: 'kek' })),
        state: 'active',
        source: source.kind,
        created_at: now().toISOString(),
      };
      await store.insertKey(row, true);
      for (const r of kekRows) r.state = 'retired';
      kekRows.push(row);
      keys.set(id, key);
      active = row;
      return id;
    },
    async rewrapUnder(next) {
      for (const row of [...kekRows, fp]) {
        const wrapped = await next.wrap(keys.get(row.id)!, aadFor(row));
        await store.updateWrapped(row.id, wrapped, next.kind);
        row.wrapped = wrapped;
      }
      source = next;
    },
  };
};
