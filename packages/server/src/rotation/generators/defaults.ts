// Default generator (kind + options) for each Keyhaven secret type, used when a secret is created or
// rotated without an explicit generator.
import type { GeneratorKind } from './registry.js';

export const SECRET_TYPES = [
  'api_key',
  'token',
  'password',
  'database_credentials',
  'ssh_key',
  'tls_certificate',
  'oauth_token',
  'jwt_secret',
  'encryption_key',
  'webhook_secret',
  'service_account_key',
  'generic',
] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

export interface GeneratorChoice {
  kind: GeneratorKind;
  options: Record<string, unknown>;
}

const DEFAULTS: Record<SecretType, GeneratorChoice> = {
  api_key: { kind: 'api_key', options: { length: 40 } },
  token: { kind: 'token', options: { bytes: 32 } },
  password: { kind: 'password', options: { length: 32 } },
  // Database passwords end up in connection URLs and shell scripts: letters and digits only, but long.
  database_credentials: { kind: 'password', options: { length: 40, symbols: false } },
  ssh_key: { kind: 'ssh_key', options: { algorithm: 'ed25519' } },
  tls_certificate: { kind: 'tls_certificate', options: { common_name: 'localhost', validity_days: 90 } },
  oauth_token: { kind: 'token', options: { bytes: 32 } },
  jwt_secret: { kind: 'jwt_secret', options: { bytes: 64 } },
  encryption_key: { kind: 'encryption_key', options: { bytes: 32 } },
  webhook_secret: { kind: 'webhook_secret', options: {} },
  service_account_key: { kind: 'api_key', options: { prefix: 'sa_', length: 48 } },
  generic: { kind: 'password', options: { length: 32 } },
};

/** The generator for a secret type; returns a fresh copy the caller may adjust. */
export const defaultGeneratorFor = (secretType: SecretType): GeneratorChoice => {
  const d = DEFAULTS[secretType];
  return { kind: d.kind, options: structuredClone(d.options) };
};
