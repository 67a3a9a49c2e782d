// Storage of the keyring rows (wrapped KEKs); the keyring itself lives in barrier/keyring.ts.
import type { StorageHandle } from './database.js';

export interface KeyringRow {
  id: string;
  purpose: 'kek' | 'fingerprint';
  wrapped: string;
  state: 'active' | 'retired';
  source: string;
  created_at: string;
}
/** What the keyring (barrier/keyring.ts) needs from storage. */
export interface KeyringStore {
  loadKeyring(): Promise<KeyringRow[]>;
  insertKey(row: KeyringRow, retireOthersOfPurpose: boolean): Promise<void>;
  updateWrapped(id: string, wrapped: string, source: string): Promise<void>;
}

export const createKeyringStore = (storage: StorageHandle): KeyringStore => ({
  async loadKeyring() {
    const rows = await storage.db.selectFrom('keyring').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows as KeyringRow[];
  },
  async insertKey(row, retireOthers) {
    await storage.db.transaction().execute(async (trx) => {
      if (retireOthers) await trx.updateTable('keyring').set({ state: 'retired' }).where('purpose', '=', row.purpose).execute();
      await trx.insertInto('keyring').values(row).execute();
    });
  },
  async updateWrapped(id, wrapped, source) {
    await storage.db.updateTable('keyring').set({ wrapped, source }).where('id', '=', id).execute();
  },
});
