// Input shapes of machine-identity logins: roles of AppRole, Kubernetes and JWT logins and the
// per-tenant configuration of the Kubernetes and JWT methods. Field names follow Vault's, so Vault
// clients (hvac, node-vault) configure Keyhaven as they configure Vault. Durations are seconds or
// Vault's strings ("90s", "15m", "1h", "7d").
import { z } from 'zod';
import { invalidCidrs } from '../../lib/cidr.js';

export const METHODS = ['approle', 'kubernetes', 'jwt'] as const;
export type LoginMethod = (typeof METHODS)[number];

const DURATION = /^(\d+)(s|m|h|d)?$/;
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** A duration in seconds from a number or a string such as "15m"; 0 means "none". */
export const duration = (max = 10 * 365 * 86400) =>
  z
    .union([z.number().int().min(0), z.string().regex(DURATION, 'a duration such as 3600, "90s", "15m", "1h" or "7d"')])
    .transform((v) => (typeof v === 'number' ? v : Number(DURATION.exec(v)![1]) * UNIT[DURATION.exec(v)![2] ?? 's']!))
    .refine((n) => n <= max, `at most ${max} seconds`);

const cidrList = z
  .union([z.array(z.string().max(64)).max(64), z.string().max(4096)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
  .superRefine((v, ctx) => {
    const bad = invalidCidrs(v);
    if (bad.length) ctx.addIssue({ code: 'custom', message: `not a CIDR or address: ${bad.slice(0, 3).join(', ')}` });
  });

const names = z
  .union([z.array(z.string().min(1).max(253)).max(256), z.string().max(8192)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/** Settings every login role has: the Keyhaven role its tokens get, their TTLs and CIDR binding. */
const tokenSettings = {
  /** The Keyhaven role (read, write, delete, admin or a custom role) the issued tokens have in the tenant. */
  token_role: z.string().min(1).max(63).optional(),
  /** Vault's name for it: a one-entry list is taken as token_role. */
  token_policies: names.optional(),
  policies: names.optional(),
  token_ttl: duration().optional(),
  token_max_ttl: duration().optional(),
  token_bound_cidrs: cidrList.optional(),
};

export const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const approleBody = z
  .object({
    ...tokenSettings,
    bind_secret_id: z.boolean().optional(),
    secret_id_ttl: duration().optional(),
    secret_id_num_uses: z.number().int().min(0).max(1_000_000).optional(),
    secret_id_bound_cidrs: cidrList.optional(),
  })
  .passthrough();

export const kubernetesRoleBody = z
  .object({
    ...tokenSettings,
    bound_service_account_names: names,
    bound_service_account_namespaces: names,
    audience: z.string().max(256).optional(),
  })
  .passthrough();

const claimValue = z.union([
  z.string().max(1024),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string().max(1024), z.number(), z.boolean()])).max(256),
]);
export const jwtRoleBody = z
  .object({
    ...tokenSettings,
    role_type: z.enum(['jwt']).optional(),
    bound_audiences: names.optional(),
    bound_subject: z.string().max(1024).optional(),
    bound_claims: z.record(z.string().min(1).max(256), claimValue).optional(),
    claim_mappings: z.record(z.string().min(1).max(256), z.string().min(1).max(128)).optional(),
    user_claim: z.string().min(1).max(256).optional(),
  })
  .passthrough();

const pemList = z
  .union([z.array(z.string().max(16_384)).max(32), z.string().max(65_536)])
  .transform((v) => (Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean))
  .refine(
    (v) => v.every((p) => /-----BEGIN (RSA )?PUBLIC KEY-----/.test(p) || /-----BEGIN CERTIFICATE-----/.test(p)),
    'each entry must be a PEM public key or certificate',
  );

const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'an http(s) URL');

export const kubernetesConfigBody = z
  .object({
    kubernetes_host: httpUrl.optional(),
    kubernetes_ca_cert: z.string().max(65_536).optional(),
    token_reviewer_jwt: z.string().max(16_384).optional(),
    pem_keys: pemList.optional(),
    issuer: z.string().max(1024).optional(),
    disable_iss_validation: z.boolean().optional(),
  })
  .passthrough()
  .refine(
    (c) => c.kubernetes_host || c.pem_keys?.length,
    'set kubernetes_host (TokenReview API) or pem_keys (verify service-account tokens locally)',
  );

export const jwtConfigBody = z
  .object({
    jwks_url: httpUrl.optional(),
    jwt_validation_pubkeys: pemList.optional(),
    bound_issuer: z.string().max(1024).optional(),
    jwt_supported_algs: z
      .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']))
      .max(10)
      .optional(),
  })
  .passthrough()
  .refine(
    (c) => Boolean(c.jwks_url) !== Boolean(c.jwt_validation_pubkeys?.length),
    'set exactly one of jwks_url and jwt_validation_pubkeys',
  );

/** What is stored of a role, whatever its method. */
export interface StoredRole {
  token_role: string;
  token_ttl: number;
  token_max_ttl: number;
  token_bound_cidrs: string[];
  // approle
  bind_secret_id?: boolean;
  secret_id_ttl?: number;
  secret_id_num_uses?: number;
  secret_id_bound_cidrs?: string[];
  // kubernetes
  bound_service_account_names?: string[];
  bound_service_account_namespaces?: string[];
  audience?: string;
  // jwt
  bound_audiences?: string[];
  bound_subject?: string;
  bound_claims?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  claim_mappings?: Record<string, string>;
  user_claim?: string;
}

export const DEFAULT_TTL = 3600;
export const DEFAULT_MAX_TTL = 86400;
