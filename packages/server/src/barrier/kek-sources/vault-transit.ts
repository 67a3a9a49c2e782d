// The Vault Transit KEK source: small keys are wrapped by POST /v1/<mount>/encrypt/<key> and
// unwrapped by /decrypt/<key>; `aad` is bound as the derivation context (derived keys) or as AEAD associated_data.
import { z } from 'zod';
import { fail, isKeyhavenError } from '../../lib/errors.js';
import type { KekSource, KekSourceDefinition } from '../kek-source.js';

const KIND = 'vault-transit';

export const vaultTransitConfigSchema = z
  .object({
    address: z.string().url(),
    mount: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default('transit'),
    key: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    namespace: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    roleId: z.string().min(1).optional(),
    secretId: z.string().min(1).optional(),
    approleMount: z.string().min(1).default('approle'),
    /** 'context' for keys created with derived=true; 'associated_data' for AEAD keys (Vault 1.16+). */
    aadMode: z.enum(['context', 'associated_data']).default('context'),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict()
  .refine((c) => !!c.token !== !!(c.roleId && c.secretId), { message: 'give either token or roleId and secretId', path: ['token'] });
export type VaultTransitConfig = z.infer<typeof vaultTransitConfigSchema>;

export const createVaultTransitKekSource = (config: VaultTransitConfig): KekSource => {
  const base = config.address.replace(/\/+$/, '');
  let token = config.token;
  const unreachable = () =>
    fail('KEK_SOURCE_UNAVAILABLE', `vault-transit: could not reach Vault at ${base}; check the address and network.`, { kind: KIND });

  const post = async (path: string, body: unknown, auth = true): Promise<{ status: number; body: Record<string, unknown> }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth) headers['x-vault-token'] = await login();
    if (config.namespace) headers['x-vault-namespace'] = config.namespace;
    try {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    } catch (e) {
      if (isKeyhavenError(e)) throw e;
      throw unreachable();
    }
  };
  const login = async (): Promise<string> => {
    if (token) return token;
    const r = await post(`/v1/auth/${config.approleMount}/login`, { role_id: config.roleId, secret_id: config.secretId }, false);
    const t = (r.body.auth as { client_token?: string } | undefined)?.client_token;
    if (r.status !== 200 || !t)
      throw fail('KEK_SOURCE_AUTH_FAILED', 'vault-transit: AppRole login was refused; check roleId, secretId and the auth mount.', {
        kind: KIND,
        status: r.status,
      });
    token = t;
    return t;
  };
  const check = (r: { status: number }, unwrapping: boolean) => {
    if (r.status === 200) return;
    if (r.status === 403 || r.status === 401)
      throw fail(
        'KEK_SOURCE_AUTH_FAILED',
        `vault-transit: Vault denied use of the transit key ${config.key}; check the token and its policy.`,
        { kind: KIND, status: r.status },
      );
    // Vault reports a wrong context or ciphertext only as HTTP 400 (no error code).
    if (r.status === 400 && unwrapping)
      throw fail(
        'MASTER_KEY_INVALID',
        'vault-transit: the wrapped key does not open with this transit key and context; start with the key the store was created with.',
        { kind: KIND },
      );
    if (r.status === 503 || r.status >= 500)
      throw fail('KEK_SOURCE_UNAVAILABLE', `vault-transit: Vault answered HTTP ${r.status} (sealed or unhealthy); unseal it or retry.`, {
        kind: KIND,
        status: r.status,
      });
    throw fail(
      'KEK_SOURCE_UNAVAILABLE',
      `vault-transit: Vault refused the request (HTTP ${r.status}); check that the transit key ${config.key} exists and matches aadMode.`,
      { kind: KIND, status: r.status },
    );
  };
  const aadField = (aad: string) => ({ [config.aadMode]: Buffer.from(aad, 'utf8').toString('base64') });

  return {
    kind: KIND,
    describe: `Vault Transit key ${config.key} at ${base}/${config.mount}`,
    async wrap(plaintext, aad) {
      const r = await post(`/v1/${config.mount}/encrypt/${config.key}`, { plaintext: plaintext.toString('base64'), ...aadField(aad) });
      check(r, false);
      return String((r.body.data as { ciphertext: string }).ciphertext);
    },
    async unwrap(wrapped, aad) {
      if (!/^vault:v\d+:/.test(wrapped))
        throw fail('MASTER_KEY_INVALID', 'vault-transit: this wrapped key was not made by Vault Transit.', { kind: KIND });
      const r = await post(`/v1/${config.mount}/decrypt/${config.key}`, { ciphertext: wrapped, ...aadField(aad) });
      check(r, true);
      return Buffer.from(String((r.body.data as { plaintext: string }).plaintext), 'base64');
    },
  };
};

export const vaultTransitKekSource: KekSourceDefinition<VaultTransitConfig> = {
  kind: KIND,
  displayName: 'HashiCorp Vault / OpenBao Transit',
  // kek-source.ts types configSchema as ZodType<C> (input = output); defaults make the input wider.
  configSchema: vaultTransitConfigSchema as unknown as z.ZodType<VaultTransitConfig>,
  create: async (config) => createVaultTransitKekSource(config),
};
