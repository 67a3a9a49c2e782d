// Identity providers for login tests, on 127.0.0.1: a Kubernetes API server that speaks the
// TokenReview API (POST /apis/authentication.k8s.io/v1/tokenreviews, authenticated with a reviewer
// bearer token, answering 201 with status.authenticated and user, as the real API does) over the
// service-account JWTs it issues (RS256, projected-token claims), and a JWKS endpoint with an OIDC
// discovery document for CI tokens shaped like GitHub Actions' (signed with jose in the test).
import { createSign, createVerify, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export interface IdentityFixtures {
  kubernetesUrl: string;
  /** The same API over HTTPS, when started with a certificate. */
  kubernetesHttpsUrl?: string;
  reviewerJwt: string;
  /** PEM of the key that signs service-account tokens (for local verification, pem_keys). */
  serviceAccountPublicPem: string;
  serviceAccountIssuer: string;
  /** Signs a service-account token (projected shape) the fake cluster accepts. */
  serviceAccountToken(namespace: string, name: string, o?: { expiresIn?: number; audience?: string[]; key?: KeyObject }): string;
  /** TokenReview requests received, with their Authorization header (tokens elided). */
  reviews: Array<Record<string, unknown>>;
  jwksUrl: string;
  issuer: string;
  /** A GitHub Actions-shaped OIDC token; `sign: 'other'` signs it with a key not in the JWKS. */
  githubToken(
    claims?: Record<string, unknown>,
    o?: { audience?: string; expiresIn?: number; sign?: 'jwks' | 'other'; issuer?: string },
  ): Promise<string>;
  githubPublicPem: string;
  close(): Promise<void>;
}

const listen = (server: http.Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );

export const startIdentityFixtures = async (o: { tls?: { cert: string; key: string } } = {}): Promise<IdentityFixtures> => {
  // --- Kubernetes ---
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saIssuer = 'https://kubernetes.default.svc.cluster.local';
  const reviewerJwt = `reviewer-${randomUUID()}`;
  const reviews: Array<Record<string, unknown>> = [];
  const serviceAccountToken: IdentityFixtures['serviceAccountToken'] = (namespace, name, o = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', kid: 'sa-key', typ: 'JWT' }));
    const payload = b64url(
      JSON.stringify({
        aud: o.audience ?? ['https://kubernetes.default.svc.cluster.local'],
        exp: now + (o.expiresIn ?? 3600),
        iat: now,
        nbf: now,
        iss: saIssuer,
        sub: `system:serviceaccount:${namespace}:${name}`,
        'kubernetes.io': {
          namespace,
          pod: { name: `${name}-7d4b9c-x2x9z`, uid: randomUUID() },
          serviceaccount: { name, uid: `uid-${namespace}-${name}` },
        },
      }),
    );
    const sig = createSign('RSA-SHA256')
      .update(`${header}.${payload}`)
      .sign(o.key ?? sa.privateKey);
    return `${header}.${payload}.${b64url(sig)}`;
  };
  const review = (token: string): Record<string, unknown> => {
    const [h, p, s] = token.split('.');
    if (!h || !p || !s || !createVerify('RSA-SHA256').update(`${h}.${p}`).verify(sa.publicKey, Buffer.from(s, 'base64url')))
      return { authenticated: false, error: '[invalid bearer token, square/go-jose: error in cryptographic primitive]' };
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
      exp: number;
      aud: string[];
      'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
    };
    if (claims.exp < Date.now() / 1000) return { authenticated: false, error: '[invalid bearer token, service account token has expired]' };
    const k = claims['kubernetes.io'];
    return {
      authenticated: true,
      audiences: claims.aud,
      user: {
        username: `system:serviceaccount:${k.namespace}:${k.serviceaccount.name}`,
        uid: k.serviceaccount.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, 'system:authenticated'],
      },
    };
  };
  const k8sHandler: http.RequestListener = (req, res) => {
    let body = '';
    req
      .setEncoding('utf8')
      .on('data', (d: string) => (body += d))
      .on('end', () => {
        const send = (status: number, obj: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(obj));
        };
        if (req.method !== 'POST' || req.url !== '/apis/authentication.k8s.io/v1/tokenreviews')
          return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
        if (req.headers.authorization !== `Bearer ${reviewerJwt}`)
          return send(401, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: 'Unauthorized',
            reason: 'Unauthorized',
            code: 401,
          });
        let tr: { apiVersion?: string; kind?: string; spec?: { token?: string; audiences?: string[] } };
        try {
          tr = JSON.parse(body);
        } catch {
          return send(400, { kind: 'Status', status: 'Failure', code: 400 });
        }
        reviews.push({
          apiVersion: tr.apiVersion,
          kind: tr.kind,
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          audiences: tr.spec?.audiences ?? null,
        });
        if (tr.apiVersion !== 'authentication.k8s.io/v1' || tr.kind !== 'TokenReview' || typeof tr.spec?.token !== 'string')
          return send(400, { kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
        send(201, {
          kind: 'TokenReview',
          apiVersion: 'authentication.k8s.io/v1',
          metadata: { creationTimestamp: null },
          spec: tr.spec,
          status: review(tr.spec.token),
        });
      });
  };
  const k8s = http.createServer(k8sHandler);
  const kubernetesUrl = await listen(k8s);
  const k8sTls = o.tls ? https.createServer({ cert: o.tls.cert, key: o.tls.key }, k8sHandler) : undefined;
  const kubernetesHttpsUrl = k8sTls ? (await listen(k8sTls as unknown as http.Server)).replace('http:', 'https:') : undefined;

  // --- JWKS / GitHub Actions OIDC ---
  const gh = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(gh.publicKey)), kid: 'gh-key-1', alg: 'RS256', use: 'sig' };
  const issuer = 'https://token.actions.githubusercontent.com';
  const jwksServer = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/jwks') return res.end(JSON.stringify({ keys: [jwk] }));
    if (req.url === '/.well-known/openid-configuration')
      return res.end(
        JSON.stringify({ issuer, jwks_uri: `${jwksUrlBase}/.well-known/jwks`, id_token_signing_alg_values_supported: ['RS256'] }),
      );
    res.statusCode = 404;
    res.end('{}');
  });
  const jwksUrlBase = await listen(jwksServer);
  const githubToken: IdentityFixtures['githubToken'] = async (claims = {}, o = {}) => {
    const repo = String(claims.repository ?? 'acme/app');
    const ref = String(claims.ref ?? 'refs/heads/main');
    const base = {
      jti: randomUUID(),
      sub: `repo:${repo}:ref:${ref}`,
      repository: repo,
      repository_owner: repo.split('/')[0],
      repository_id: '123456',
      repository_owner_id: '654321',
      ref,
      ref_type: 'branch',
      sha: 'a'.repeat(40),
      workflow: 'deploy',
      workflow_ref: `${repo}/.github/workflows/deploy.yml@${ref}`,
      job_workflow_ref: `${repo}/.github/workflows/deploy.yml@${ref}`,
      actor: 'octocat',
      actor_id: '1',
      event_name: 'push',
      run_id: '1000',
      run_number: '7',
      run_attempt: '1',
      runner_environment: 'github-hosted',
      repository_visibility: 'private',
    };
    return new SignJWT({ ...base, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'gh-key-1', typ: 'JWT', x5t: 'test' })
      .setIssuer(o.issuer ?? issuer)
      .setAudience(o.audience ?? 'https://github.com/acme')
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(Math.floor(Date.now() / 1000) + (o.expiresIn ?? 300))
      .sign((o.sign === 'other' ? other.privateKey : gh.privateKey) as CryptoKey);
  };
  const { createPublicKey } = await import('node:crypto');
  const githubPublicPem = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();

  return {
    kubernetesUrl,
    kubernetesHttpsUrl,
    reviewerJwt,
    reviews,
    serviceAccountToken,
    serviceAccountIssuer: saIssuer,
    serviceAccountPublicPem: sa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwksUrl: `${jwksUrlBase}/.well-known/jwks`,
    issuer,
    githubToken,
    githubPublicPem,
    close: async () => {
      await new Promise((r) => k8s.close(r));
      await new Promise((r) => jwksServer.close(r));
      if (k8sTls) await new Promise((r) => k8sTls.close(r));
      k8s.closeAllConnections?.();
      jwksServer.closeAllConnections?.();
    },
  };
};
