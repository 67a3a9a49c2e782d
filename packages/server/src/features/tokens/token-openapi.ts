// The documented responses of the token, tenant, policy, role and console-session routes (OpenAPI;
// documentation only, see http/openapi).
import {
  arr,
  bool,
  constant,
  created,
  dateTime,
  int,
  map,
  nullable,
  obj,
  ok,
  oneOf,
  ref,
  str,
  type FeatureDocs,
} from '../../lib/json-schema.js';

const tokenFields = {
  id: str,
  name: str,
  kind: str,
  role: nullable(str),
  tenant: nullable(str),
  is_root: bool,
  created_at: dateTime,
  expires_at: nullable(dateTime),
  revoked_at: nullable(dateTime),
  last_used_at: nullable(dateTime),
  created_by: nullable(str),
  identity: nullable(obj({ method: str, role: str, subject: nullable(str), metadata: map(str) })),
  max_expires_at: nullable(dateTime),
};
const selfFields = {
  ...tokenFields,
  ttl_seconds: nullable(int),
  bound_cidrs: nullable(arr(str)),
  grants: arr(obj({ tenant: str, role: str })),
};
const session = obj({ csrf_token: str, idle_seconds: int, token: ref('TokenSelf') });
const rule = obj(
  { effect: oneOf('allow', 'deny'), actions: arr(str), paths: arr(str), environments: arr(str), tags: arr(str) },
  { optional: ['paths', 'environments', 'tags'] },
);

export const tokenDocs: FeatureDocs = {
  schemas: {
    SecretEvent: {
      oneOf: [
        obj({
          type: constant('secret.changed'),
          time: dateTime,
          tenant: str,
          data: obj({ name: str, change: oneOf('write', 'delete', 'restore', 'destroy'), version: int }, { optional: ['version'] }),
        }),
        obj({
          type: oneOf('secret.rotated', 'secret.rotation_failed', 'secret.emergency_rotated'),
          time: dateTime,
          tenant: str,
          data: obj(
            {
              name: str,
              run_id: str,
              method: str,
              status: str,
              previous_version: nullable(int),
              new_version: nullable(int),
              error_code: str,
            },
            { optional: ['error_code'] },
          ),
        }),
      ],
      description: "One event of GET /v1/events: a secret's change or the outcome of its rotation (never its value)",
    },
    Token: obj(tokenFields),
    TokenSelf: obj(selfFields),
    CreatedToken: obj({ ...tokenFields, token: { type: 'string', description: 'The token itself, shown once' } }),
    Tenant: obj({ id: str, name: str, created_at: dateTime }),
    Policy: obj({ name: str, description: nullable(str), rules: arr(rule), created_at: dateTime, updated_at: dateTime }),
    Role: obj({ name: str, description: nullable(str), policies: arr(str), builtin: bool }),
    ConsoleSession: session,
  },
  operations: {
    'GET /v1/tokens/self': { operationId: 'tokens.self', responses: ok('The calling token', ref('TokenSelf')) },
    'POST /v1/tokens/self/renew': {
      operationId: 'tokens.renewSelf',
      responses: ok('The calling token, its expiry moved', ref('TokenSelf')),
    },
    'POST /v1/tokens': { operationId: 'tokens.create', responses: created('The new token (its secret shown once)', ref('CreatedToken')) },
    'GET /v1/tokens': {
      operationId: 'tokens.list',
      responses: ok("The tenant's tokens (never their secrets)", obj({ items: arr(ref('Token')) })),
    },
    'GET /v1/tokens/{id}': { operationId: 'tokens.get', responses: ok('One token', ref('Token')) },
    'DELETE /v1/tokens/{id}': { operationId: 'tokens.revoke', responses: ok('The revoked token', ref('Token')) },

    'GET /v1/tenants': { operationId: 'tenants.list', responses: ok('The tenants the token reaches', obj({ items: arr(ref('Tenant')) })) },
    'POST /v1/tenants': { operationId: 'tenants.create', responses: created('The new tenant', ref('Tenant')) },
    'GET /v1/tenants/{id}': { operationId: 'tenants.get', responses: ok('One tenant', ref('Tenant')) },

    'GET /v1/policies': { operationId: 'policies.list', responses: ok('Every policy of the tenant', obj({ items: arr(ref('Policy')) })) },
    'GET /v1/policies/{name}': { operationId: 'policies.get', responses: ok('One policy', ref('Policy')) },
    'PUT /v1/policies/{name}': { operationId: 'policies.put', responses: ok('The policy as stored', ref('Policy')) },
    'DELETE /v1/policies/{name}': { operationId: 'policies.delete', responses: ok('Deleted', obj({ name: str, deleted: constant(true) })) },
    'GET /v1/roles': { operationId: 'roles.list', responses: ok('Built-in and custom roles', obj({ items: arr(ref('Role')) })) },
    'PUT /v1/roles/{name}': { operationId: 'roles.put', responses: ok('The role as stored', ref('Role')) },
    'DELETE /v1/roles/{name}': { operationId: 'roles.delete', responses: ok('Deleted', obj({ name: str, deleted: constant(true) })) },

    'POST /v1/console/session': {
      operationId: 'console.session.create',
      responses: created('Signed in: the session cookie is set; the CSRF token is for changes', ref('ConsoleSession')),
    },
    'GET /v1/console/session': { operationId: 'console.session.get', responses: ok('The current session', ref('ConsoleSession')) },
    'DELETE /v1/console/session': {
      operationId: 'console.session.delete',
      responses: ok('Signed out', obj({ signed_out: constant(true) })),
    },
    'GET /v1/console/oidc/login': {
      operationId: 'console.oidc.login',
      responses: {
        302: {
          description: "A redirect to the OpenID provider (the sign-in's state bound to a short-lived cookie)",
          headers: {
            Location: {
              description:
                "The provider's authorization endpoint with response_type=code, client_id, redirect_uri, scope, state, nonce and a PKCE S256 code_challenge",
              schema: { type: 'string', format: 'uri', pattern: '^https?://[^?#]+\\?(.+&)?code_challenge_method=S256(&|$)' },
            },
          },
        },
      },
    },
    'GET /v1/console/oidc/callback': {
      operationId: 'console.oidc.callback',
      responses: {
        302: {
          description: 'Back to the console: signed in (session cookie set), or to the sign-in page with the refusal code',
          headers: {
            Location: {
              description: 'The console page: its secrets when signed in, the sign-in page with ?sso_error=<code> when refused',
              schema: oneOf('/ui/secrets', '/ui/sign-in?sso_error=OIDC_SIGN_IN_FAILED', '/ui/sign-in?sso_error=OIDC_NO_ROLE'),
            },
          },
        },
      },
    },
    'GET /v1/events': {
      operationId: 'events.stream',
      responses: {
        200: {
          description:
            "Server-sent events: each event's name is its type, its data one JSON object (a SecretEvent); comment lines keep the connection alive",
          contentType: 'text/event-stream',
          schema: { type: 'string', description: 'An event stream; the data of each event is described by x-keyhaven-item-schema' },
          itemSchema: ref('SecretEvent'),
        },
      },
    },
    'GET /v1/console/oidc': {
      operationId: 'console.oidc',
      responses: ok('Whether single sign-on is configured', obj({ enabled: bool }, { open: true })),
    },
  },
};
