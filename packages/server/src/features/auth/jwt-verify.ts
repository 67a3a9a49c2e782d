// Verification of JWTs for the JWT/OIDC and Kubernetes logins with `jose`: against static PEM
// public keys or a JWKS URL (fetched and cached by jose, checked against the egress policy first),
// asymmetric algorithms only, with the configured issuer and a small clock tolerance. Failures map
// to the catalogue: an expired token is AUTH_CREDENTIAL_EXPIRED, any other problem AUTH_JWT_INVALID,
// keys that cannot be fetched AUTH_KEYS_UNAVAILABLE. The token itself never appears in an error.
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  importSPKI,
  importX509,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { fail, KeyhavenError } from '../../lib/errors.js';
import { checkEgress, type EgressPolicy } from '../../lib/egress.js';
import type { Clock } from '../../lib/clock.js';

export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_S = 60;

export interface KeySource {
  jwksUrl?: string;
  pems?: string[];
  issuer?: string;
  algorithms?: string[];
}

export const createJwtVerifier = (deps: { clock: Clock; egress: EgressPolicy; what: string }) => {
  const remote = new Map<string, JWTVerifyGetKey>();
  const remoteFor = (url: string) => {
    let r = remote.get(url);
    if (!r) {
      if (remote.size > 256) remote.clear();
      r = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
      remote.set(url, r);
    }
    return r;
  };

  const mapError = (e: unknown): KeyhavenError => {
    if (e instanceof KeyhavenError) return e;
    if (e instanceof joseErrors.JWTExpired)
      return fail('AUTH_CREDENTIAL_EXPIRED', 'The JWT has expired (exp is in the past); present a fresh token.');
    if (
      e instanceof joseErrors.JWKSTimeout ||
      (e instanceof joseErrors.JOSEError && e.code === 'ERR_JOSE_GENERIC') ||
      e instanceof TypeError
    )
      return fail('AUTH_KEYS_UNAVAILABLE', `${deps.what}: the JWKS URL could not be fetched.`);
    if (e instanceof joseErrors.JWKSInvalid)
      return fail('AUTH_KEYS_UNAVAILABLE', `${deps.what}: the JWKS URL did not return a valid key set.`);
    if (e instanceof joseErrors.JWTClaimValidationFailed)
      return fail(
        'AUTH_JWT_INVALID',
        `The JWT's "${e.claim}" claim is not accepted (${e.reason === 'check_failed' ? 'wrong value' : e.reason}).`,
      );
    if (e instanceof joseErrors.JWKSNoMatchingKey)
      return fail('AUTH_JWT_INVALID', 'No configured key matches the JWT (kid or algorithm); it was not signed by the configured issuer.');
    if (e instanceof joseErrors.JWSSignatureVerificationFailed)
      return fail('AUTH_JWT_INVALID', "The JWT's signature does not verify against the configured keys.");
    if (e instanceof joseErrors.JOSEAlgNotAllowed)
      return fail('AUTH_JWT_INVALID', 'The JWT is signed with an algorithm that is not allowed (only asymmetric algorithms are).');
    return fail('AUTH_JWT_INVALID', 'The JWT is malformed or cannot be verified.');
  };

  return {
    /** The verified claims, or a catalogue error. */
    async verify(jwt: string, src: KeySource): Promise<JWTPayload> {
      const algorithms = src.algorithms?.length ? src.algorithms : ASYMMETRIC_ALGS;
      const options = { algorithms, issuer: src.issuer || undefined, clockTolerance: CLOCK_TOLERANCE_S, currentDate: deps.clock.now() };
      try {
        let alg: string;
        try {
          alg = decodeProtectedHeader(jwt).alg ?? '';
        } catch {
          throw fail('AUTH_JWT_INVALID', 'The JWT is malformed (not three base64url parts with a JSON header).');
        }
        if (!algorithms.includes(alg))
          throw fail('AUTH_JWT_INVALID', `The JWT's algorithm "${alg.slice(0, 16)}" is not allowed; allowed: ${algorithms.join(', ')}.`);
        if (src.jwksUrl) {
          await checkEgress(deps.egress, src.jwksUrl, `${deps.what}: the JWKS URL`);
          return (await jwtVerify(jwt, remoteFor(src.jwksUrl), options)).payload;
        }
        let last: unknown = fail('AUTH_JWT_INVALID', 'No public key is configured.');
        for (const pem of src.pems ?? []) {
          let key;
          try {
            key = pem.includes('CERTIFICATE') ? await importX509(pem, alg) : await importSPKI(pem, alg);
          } catch {
            continue;
          }
          try {
            return (await jwtVerify(jwt, key, options)).payload;
          } catch (e) {
            last = e;
            if (!(e instanceof joseErrors.JWSSignatureVerificationFailed)) break;
          }
        }
        throw last;
      } catch (e) {
        throw mapError(e);
      }
    },
  };
};
export type JwtVerifier = ReturnType<typeof createJwtVerifier>;

/** A claim by name, or by JSON pointer ("/nested/claim") as Vault reads bound_claims and claim_mappings. */
export const claimAt = (claims: Record<string, unknown>, path: string): unknown => {
  if (!path.startsWith('/')) return claims[path];
  let v: unknown = claims;
  for (const seg of path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
};

/** `*` in an allowed value matches any run of characters. */
export const globMatches = (pattern: string, value: string): boolean =>
  pattern.includes('*')
    ? new RegExp(
        `^${pattern
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        's',
      ).test(value)
    : pattern === value;
