// The documented responses and request bodies of the machine-identity logins at Vault's paths
// (auth/approle, auth/kubernetes, auth/jwt, auth/token/renew-self and revoke-self), in Vault's shapes
// (OpenAPI; documentation only, see http/openapi). Errors: Vault's `errors` and Keyhaven's `error`.
import {
  arr,
  bool,
  dateTime,
  int,
  map,
  nullable,
  obj,
  ok,
  openObject,
  str,
  type FeatureDocs,
  type JsonSchema,
  type OperationDoc,
} from '../../lib/json-schema.js';
import { envelope, keysEnvelope, noContent } from './vault-openapi.js';

/** Seconds, or Vault's duration strings ("90s", "15m", "1h", "7d"). */
const duration: JsonSchema = { oneOf: [int, { type: 'string', pattern: '^\\d+(s|m|h|d)?$' }] };
/** A list, or Vault's comma-separated string. */
const names: JsonSchema = { oneOf: [arr(str), str] };
const pems: JsonSchema = { oneOf: [arr(str), str] };
const claim: JsonSchema = { oneOf: [str, { type: 'number' }, bool, arr({ oneOf: [str, { type: 'number' }, bool] })] };

const tokenSettings = {
  token_role: str,
  token_policies: names,
  policies: names,
  token_ttl: duration,
  token_max_ttl: duration,
  token_bound_cidrs: names,
};
const open = (p: Record<string, JsonSchema>, required: string[] = []) =>
  obj(p, { optional: Object.keys(p).filter((k) => !required.includes(k)), open: true });

const roleBodies: Record<Method, JsonSchema> = {
  approle: open({
    ...tokenSettings,
    bind_secret_id: bool,
    secret_id_ttl: duration,
    secret_id_num_uses: int,
    secret_id_bound_cidrs: names,
  }),
  kubernetes: open({ ...tokenSettings, bound_service_account_names: names, bound_service_account_namespaces: names, audience: str }, [
    'bound_service_account_names',
    'bound_service_account_namespaces',
  ]),
  jwt: open({
    ...tokenSettings,
    role_type: { type: 'string', enum: ['jwt'] },
    bound_audiences: names,
    bound_subject: str,
    bound_claims: map(claim),
    claim_mappings: map(str),
    user_claim: str,
  }),
};

/** A role as it is read back: the stored settings (seconds, lists), its Keyhaven role as policies. */
const roleView = obj(
  {
    token_role: str,
    token_ttl: int,
    token_max_ttl: int,
    token_bound_cidrs: arr(str),
    token_policies: arr(str),
    policies: arr(str),
    token_type: str,
    created_at: dateTime,
    updated_at: dateTime,
    bind_secret_id: bool,
    secret_id_ttl: int,
    secret_id_num_uses: int,
    secret_id_bound_cidrs: arr(str),
    bound_service_account_names: arr(str),
    bound_service_account_namespaces: arr(str),
    audience: str,
    bound_audiences: arr(str),
    bound_subject: str,
    bound_claims: map(claim),
    claim_mappings: map(str),
    user_claim: str,
  },
  {
    optional: [
      'bind_secret_id',
      'secret_id_ttl',
      'secret_id_num_uses',
      'secret_id_bound_cidrs',
      'bound_service_account_names',
      'bound_service_account_namespaces',
      'audience',
      'bound_audiences',
      'bound_subject',
      'bound_claims',
      'claim_mappings',
      'user_claim',
    ],
  },
);

const configBodies = {
  kubernetes: open({
    kubernetes_host: str,
    kubernetes_ca_cert: str,
    token_reviewer_jwt: str,
    pem_keys: pems,
    issuer: str,
    disable_iss_validation: bool,
  }),
  jwt: open({ jwks_url: str, jwt_validation_pubkeys: pems, bound_issuer: str, jwt_supported_algs: arr(str) }),
};
/** A configuration as read back: never the reviewer token, only whether one is stored. */
const configViews = {
  kubernetes: obj(
    {
      kubernetes_host: str,
      kubernetes_ca_cert: str,
      pem_keys: arr(str),
      issuer: str,
      disable_iss_validation: bool,
      token_reviewer_jwt_set: bool,
    },
    { optional: ['kubernetes_host', 'kubernetes_ca_cert', 'issuer'] },
  ),
  jwt: obj(
    { jwks_url: str, jwt_validation_pubkeys: arr(str), bound_issuer: str, jwt_supported_algs: arr(str) },
    { optional: ['jwks_url', 'jwt_validation_pubkeys', 'bound_issuer', 'jwt_supported_algs'], open: true },
  ),
};

/** Vault's `auth` block of a login or renewal: the Keyhaven token and its lease. */
const authBlock = obj(
  {
    client_token: str,
    accessor: str,
    policies: arr(str),
    token_policies: arr(str),
    identity_policies: nullable(arr(str)),
    metadata: nullable(map(str)),
    lease_duration: int,
    renewable: bool,
    entity_id: str,
    token_type: str,
    orphan: bool,
    mfa_requirement: nullable(openObject),
    num_uses: int,
  },
  { optional: ['identity_policies', 'mfa_requirement'] },
);
const authAnswer = envelope(nullable(openObject), { auth: authBlock });

const secretIdView = obj({
  secret_id_accessor: str,
  creation_time: dateTime,
  expiration_time: str,
  secret_id_num_uses: int,
  cidr_list: arr(str),
  metadata: map(str),
});
const accessorBody = open({ secret_id_accessor: str }, ['secret_id_accessor']);
const loginBodies: Record<Method, JsonSchema> = {
  approle: open({ role_id: str, secret_id: str }, ['role_id']),
  kubernetes: open({ role: str, jwt: str }, ['role', 'jwt']),
  jwt: open({ role: str, jwt: str }, ['jwt']),
};

type Method = 'approle' | 'kubernetes' | 'jwt';

/** POST and PUT of one path (Vault clients use either): POST is `<id>`, PUT `<id>.put`. */
const both = (path: string, d: Omit<OperationDoc, 'operationId'> & { operationId: string }): Record<string, OperationDoc> => ({
  [`POST ${path}`]: d,
  [`PUT ${path}`]: { ...d, operationId: `${d.operationId}.put` },
});

const methodOperations = (m: Method): Record<string, OperationDoc> => {
  const base = `/v1/auth/${m}`;
  const id = `vault.auth.${m}`;
  return {
    ...both(`${base}/role/{name}`, { operationId: `${id}.role.write`, requestBody: roleBodies[m], responses: noContent }),
    [`GET ${base}/role/{name}`]: { operationId: `${id}.role.read`, responses: ok('The role', envelope(roleView)) },
    [`DELETE ${base}/role/{name}`]: { operationId: `${id}.role.delete`, responses: noContent },
    [`GET ${base}/role`]: { operationId: `${id}.role.list`, responses: ok("The roles' names (LIST or ?list=true)", keysEnvelope()) },
    ...both(`${base}/login`, {
      operationId: `${id}.login`,
      requestBody: loginBodies[m],
      responses: ok("A Keyhaven token in Vault's auth block (data is null)", authAnswer),
    }),
    ...(m === 'approle'
      ? {}
      : {
          ...both(`${base}/config`, { operationId: `${id}.config.write`, requestBody: configBodies[m], responses: noContent }),
          [`GET ${base}/config`]: { operationId: `${id}.config.read`, responses: ok('The configuration', envelope(configViews[m])) },
          [`DELETE ${base}/config`]: { operationId: `${id}.config.delete`, responses: noContent },
        }),
  };
};

const ar = '/v1/auth/approle/role/{name}';
export const vaultAuthDocs: FeatureDocs = {
  operations: {
    ...methodOperations('approle'),
    ...methodOperations('kubernetes'),
    ...methodOperations('jwt'),
    [`GET ${ar}/role-id`]: {
      operationId: 'vault.auth.approle.roleId',
      responses: ok("The role's role_id", envelope(obj({ role_id: str }))),
    },
    ...both(`${ar}/secret-id`, {
      operationId: 'vault.auth.approle.secretId.create',
      requestBody: open({ metadata: { oneOf: [map(str), str] }, cidr_list: names, ttl: duration, num_uses: int }),
      responses: ok(
        'The new secret_id, shown once (only its hash is stored)',
        envelope(obj({ secret_id: str, secret_id_accessor: str, secret_id_ttl: int, secret_id_num_uses: int, expires_at: nullable(str) })),
      ),
    }),
    [`GET ${ar}/secret-id`]: {
      operationId: 'vault.auth.approle.secretId.list',
      responses: ok("The secret_ids' accessors (LIST or ?list=true), each described", keysEnvelope({ key_info: map(secretIdView) })),
    },
    [`POST ${ar}/secret-id-accessor/lookup`]: {
      operationId: 'vault.auth.approle.secretId.lookup',
      requestBody: accessorBody,
      responses: ok('The secret_id behind the accessor (never the secret_id itself)', envelope(secretIdView)),
    },
    [`POST ${ar}/secret-id-accessor/destroy`]: {
      operationId: 'vault.auth.approle.secretId.destroy',
      requestBody: accessorBody,
      responses: noContent,
    },
    [`DELETE ${ar}/secret-id-accessor/destroy`]: {
      operationId: 'vault.auth.approle.secretId.destroy.delete',
      requestBody: accessorBody,
      responses: noContent,
    },
    ...both('/v1/auth/token/renew-self', {
      operationId: 'vault.token.renewSelf',
      requestBody: open({ increment: duration }),
      responses: ok('The renewed lease in the auth block; a warning when capped by the max TTL', authAnswer),
    }),
    ...both('/v1/auth/token/revoke-self', { operationId: 'vault.token.revokeSelf', responses: noContent }),
  },
};
