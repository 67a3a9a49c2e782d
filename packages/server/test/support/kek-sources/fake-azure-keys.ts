// A local fake of the Azure Key Vault keys API (test-only): the 401 challenge, GET key (public JWK)
// and wrapkey/unwrapkey doing real RSA-OAEP-256 with node:crypto; a bad unwrap is 400 BadParameter.
import { constants, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { azureError, checkBearer } from '../providers/fake-azure-kv.js';
import { readJson, sendJson, startHttp } from '../providers/http-fake.js';

const b64url = (b: Buffer) => b.toString('base64url');

export const startFakeAzureKeys = async (token = 'keys-token') => {
  const keys = new Map<string, { version: string; privateKey: KeyObject }>();
  let base = '';
  const server = await startHttp(async (req, res) => {
    if (!checkBearer(req, res, token)) return;
    const url = new URL(req.url ?? '/', 'http://x');
    const [area, name, version, op] = url.pathname.split('/').filter(Boolean);
    const k = area === 'keys' ? keys.get(name) : undefined;
    if (!k || (version && version !== k.version))
      return azureError(res, 404, 'KeyNotFound', `A key with (name/id) ${name} was not found in this key vault.`);
    const kid = `${base}/keys/${name}/${k.version}`;
    if (req.method === 'GET' && !op) {
      const jwk = createPublicKey(k.privateKey).export({ format: 'jwk' }) as { n: string; e: string };
      return sendJson(res, 200, {
        key: { kid, kty: 'RSA', key_ops: ['wrapKey', 'unwrapKey', 'encrypt', 'decrypt'], n: jwk.n, e: jwk.e },
        attributes: { enabled: true },
      });
    }
    if (req.method === 'POST' && (op === 'wrapkey' || op === 'unwrapkey')) {
      const body = await readJson(req);
      if (body.alg !== 'RSA-OAEP-256') return azureError(res, 400, 'BadParameter', 'unsupported algorithm');
      const value = Buffer.from(String(body.value), 'base64url');
      const padding = { key: k.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
      try {
        const out =
          op === 'wrapkey' ? publicEncrypt({ ...padding, key: createPublicKey(k.privateKey) }, value) : privateDecrypt(padding, value);
        return sendJson(res, 200, { kid, value: b64url(out) });
      } catch {
        return azureError(res, 400, 'BadParameter', 'The parameter is incorrect.');
      }
    }
    return azureError(res, 405, 'MethodNotAllowed', 'no such operation');
  });
  base = server.url;
  return {
    ...server,
    token,
    /** Creates an RSA-2048 key and returns its key id URL. */
    createKey(name: string): string {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const version = Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32);
      keys.set(name, { version, privateKey });
      return `${base}/keys/${name}/${version}`;
    },
  };
};
