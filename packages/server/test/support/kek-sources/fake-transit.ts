// Adds a Transit engine to the local fake Vault (test-only): keys (optionally derived), AES-256-GCM
// encrypt/decrypt with per-request context derivation or associated_data, Vault's error bodies.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { sendJson } from '../providers/http-fake.js';
import { startFakeVault, type FakeVault } from '../providers/fake-vault.js';

export const startFakeTransit = async (): Promise<FakeVault & { createKey(name: string, derived: boolean): void }> => {
  const keys = new Map<string, { key: Buffer; derived: boolean }>();
  const vault = await startFakeVault({
    extra: (_req, res, path, body) => {
      const m = /^\/v1\/transit\/(encrypt|decrypt)\/([^/]+)$/.exec(path);
      if (!m) return false;
      const k = keys.get(m[2]);
      const errors = (status: number, msg: string) => sendJson(res, status, { errors: [msg] });
      if (!k) return (errors(400, `encryption key not found`), true);
      const context = body.context ? Buffer.from(String(body.context), 'base64') : undefined;
      if (k.derived && !context)
        return (errors(400, "missing 'context' for key derivation; the key was created using a derived key"), true);
      const key = k.derived ? createHmac('sha256', k.key).update(context!).digest() : k.key;
      const ad = body.associated_data ? Buffer.from(String(body.associated_data), 'base64') : Buffer.alloc(0);
      if (m[1] === 'encrypt') {
        const iv = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', key, iv);
        c.setAAD(ad);
        const ct = Buffer.concat([c.update(Buffer.from(String(body.plaintext), 'base64')), c.final(), c.getAuthTag()]);
        return (
          sendJson(res, 200, { data: { ciphertext: `vault:v1:${Buffer.concat([iv, ct]).toString('base64')}`, key_version: 1 } }),
          true
        );
      }
      try {
        const raw = Buffer.from(String(body.ciphertext).replace(/^vault:v1:/, ''), 'base64');
        const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        d.setAAD(ad);
        d.setAuthTag(raw.subarray(raw.length - 16));
        const pt = Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
        return (sendJson(res, 200, { data: { plaintext: pt.toString('base64') } }), true);
      } catch {
        return (errors(400, 'cipher: message authentication failed'), true);
      }
    },
  });
  return { ...vault, createKey: (name, derived) => keys.set(name, { key: randomBytes(32), derived }) };
};
